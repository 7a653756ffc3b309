"""Each definition on a hand-built history whose answers are known (docs/analytics.md)."""

import uuid

from analytics import drill, figures
from analytics.articles import knowledge
from analytics.models import ConversationFacts
from knowledge.models import KbArticleCase
from knowledge.service import Content, KnowledgeService
from tests.analytics.conftest import visitor

HOUR = 60


def _outcomes(history) -> dict:
    found = figures.containment(history.session, history.period())
    return {name: figure["numerator"] for name, figure in found["outcomes"].items()} | {
        "deflected": found["deflected"]["numerator"],
        "pending": found["pending"],
        "conversations": found["conversations"],
    }


def test_contained_recontacted_unresolved_and_deflected_are_told_apart(history):
    returning, quiet_returning = visitor(), visitor()
    history.conversation(
        ("answer", 0, {"article_id": "reset-password"}), ("helpful", 1, {"article_id": "reset-password"})
    )
    came_back = history.conversation(("answer", 0, {"article_id": "billing-cycle"}), ("close", 2), visitor=returning)
    history.conversation(("answer", 24 * HOUR, {"article_id": "billing-cycle"}), visitor=returning)  # within 72 h
    history.conversation(("answer", 0, {"article_id": "pair-hub"}), visitor=quiet_returning)
    history.conversation(("answer", 100 * HOUR, {"article_id": "pair-hub"}), visitor=quiet_returning)  # after 72 h
    history.conversation(("not_found", 0, {"detail": {"question": "do you sell gift cards"}}))
    history.conversation(("answer", 0, {"article_id": "e-204"}), ("not_helpful", 1, {"article_id": "e-204"}))
    history.conversation(
        ("answer", 0, {"article_id": "refunds"}),
        ("handoff", 1, {"reason": "customer_request"}),
        ("accept", 2, {"actor_id": 7}),
    )
    history.refresh()

    assert _outcomes(history) == {
        "conversations": 8,
        "contained": 4,  # the helpful one, the return after the window, both quiet ones past their window
        "recontacted": 1,  # came back within 72 h with the same article
        "handed_off": 1,
        "unresolved": 2,  # nothing found; "not helpful"
        "deflected": 5,  # no handoff, no feedback, window over: quiet contained (3) + recontacted + nothing found
        "pending": 0,
    }
    behind = drill.page_of(history.session, history.period(), "outcome", "recontacted", 1)
    assert [item["id"] for item in behind["items"]] == [came_back]
    assert behind["items"][0]["customer"] == "visitor"


def test_an_article_picked_after_did_you_mean_and_called_helpful_is_contained(history):
    picked = history.conversation(  # the rows a pick writes: the pick shows an article found before, so no answer row
        ("clarify", 0, {"detail": {"offered": ["delivery-address", "billing-address"]}}),
        ("helpful", 2, {"article_id": "billing-address"}),
    )
    history.refresh()

    assert _outcomes(history)["contained"] == 1 and _outcomes(history)["unresolved"] == 0
    facts = history.session.get(ConversationFacts, picked)
    assert (facts.answered, facts.article_id) == (True, "billing-address")


def test_a_quiet_answer_is_pending_until_its_window_ends_and_a_new_row_shows_after_one_refresh(history):
    history.conversation(("answer", 0, {"article_id": "pair-hub"}))
    history.refresh(hours_later=1)
    assert _outcomes(history)["pending"] == 1
    history.refresh(hours_later=80)
    assert _outcomes(history)["contained"] == 1 and _outcomes(history)["deflected"] == 1

    history.conversation(("answer", 5, {"article_id": "pair-hub"}), ("helpful", 6, {"article_id": "pair-hub"}))
    history.refresh(hours_later=81)
    assert _outcomes(history)["contained"] == 2 and _outcomes(history)["deflected"] == 1


def test_handoffs_by_reason_time_to_a_person_abandoned_handle_time_and_hops(history):
    for wait in (1, 2, 10):  # minutes
        history.conversation(
            ("handoff", 0, {"reason": "kb_unanswerable"}), ("accept", wait, {"actor_id": 1, "value": wait * 60.0}),
            ("transfer", wait + 1, {"actor_id": 2}), ("close", wait + 5, {"actor_id": 2}),
        )  # fmt: skip
    history.conversation(("handoff", 0, {"reason": "customer_request"}), ("abandoned", 5, {"value": 300.0}))
    history.refresh()

    found = figures.handoffs(history.session, history.period())
    assert [(r["reason"], r["numerator"]) for r in found["by_reason"]] == [
        ("kb_unanswerable", 3),
        ("customer_request", 1),
    ]
    assert found["rate"]["value"] == 1.0
    assert found["wait"]["median_seconds"] == 120 and found["wait"]["p90_seconds"] == 504  # 60, 120, 600
    assert {b["bucket"]: b["count"] for b in found["wait"]["distribution"]}["5–15 min"] == 1
    assert found["abandoned"] == {
        "value": 0.25,
        "numerator": 1,
        "denominator": 4,
        "counts": "left while waiting / handed off",
    }
    assert found["handle"]["median_seconds"] == 300  # accept → close, 5 minutes each
    assert found["hops"]["average"]["value"] == 2.0
    waited = drill.page_of(history.session, history.period(), "wait", "5–15 min", 1)
    assert waited["total"] == 1


def test_reopened_cases_are_reopenings_over_resolutions_and_list_their_case(history):
    reopened, once = (600_000 + int(uuid.uuid4().int % 90_000) * 2 + n for n in range(2))
    for case_id in (reopened, once):
        history.add("case_opened", 0, case_id=case_id)
    history.add("case_resolved", 60, case_id=reopened)
    history.add("case_reopened", 120, case_id=reopened)
    history.add("case_resolved", 180, case_id=reopened)
    history.add("case_resolved", 60, case_id=once)
    history.refresh()

    found = figures.handoffs(history.session, history.period())["reopened"]
    assert (found["numerator"], found["denominator"]) == (1, 3)
    behind = drill.page_of(history.session, history.period(), "reopened", "", 1)
    assert [item["id"] for item in behind["items"]] == [f"CS-{10_000 + reopened}"]


def test_a_swarm_with_known_times_against_a_case_of_the_same_kind_without_one(history):
    swarmed, plain, open_case, swarm = (900_000 + int(uuid.uuid4().int % 90_000) * 3 + n for n in range(4))
    add = history.add
    for case_id in (swarmed, plain, open_case):
        add("case_opened", 0, case_id=case_id)
    add("swarm_started", 10, case_id=swarmed, actor_id=1, detail={"swarm_id": swarm})
    add("swarm_joined", 10, actor_id=1, detail={"swarm_id": swarm})  # the starter: no expert
    add("swarm_joined", 13, actor_id=2, detail={"swarm_id": swarm})
    add("swarm_joined", 20, actor_id=3, detail={"swarm_id": swarm})
    add("swarm_answer_accepted", 30, actor_id=2, detail={"swarm_id": swarm})
    add("case_resolved", 120, case_id=swarmed, actor_id=1)
    add("case_resolved", 240, case_id=plain, actor_id=1)
    history.refresh()

    found = figures.swarms(history.session, history.period())
    assert found["started_per_100_cases"]["value"] == 33.3333
    assert found["first_expert"]["median_seconds"] == 180
    assert found["experts_per_swarm"]["value"] == 2.0
    group = found["resolution"][0]
    assert (group["swarm"]["average_seconds"], group["no_swarm"]["average_seconds"]) == (7200, 14400)
    assert [(p["person_id"], p["answers_accepted"]) for p in found["answers_accepted"]] == [(2, 1)]
    behind = drill.page_of(history.session, history.period(), "resolution", f"swarm|{group['priority']}|", 1)
    assert [item["kind"] for item in behind["items"]] == ["case"] and behind["total"] == 1


def test_survey_averages_carry_their_response_rate(history):
    answered = history.conversation(("answer", 0, {"article_id": "a"}), ("close", 3))
    history.add("survey", 4, answered, reason="csat", value=4.0)
    history.add("survey", 4, answered, reason="ces", value=6.0)
    history.conversation(("answer", 0, {"article_id": "a"}), ("close", 3))  # closed, never answered the survey
    case_id = 800_000 + int(uuid.uuid4().int % 90_000)
    history.add("case_resolved", 10, case_id=case_id, channel="email")
    history.add("survey", 20, case_id=case_id, channel="email", reason="csat", value=2.0)
    by_phone = case_id + 1  # its resolution email carries the survey link as well
    history.add("case_resolved", 30, case_id=by_phone, channel="phone")
    history.add("survey", 40, case_id=by_phone, channel="phone", reason="csat", value=3.0)
    history.refresh()

    everything = figures.surveys(history.session, history.period())["surveys"]
    assert everything["csat"]["average"]["value"] == 3.0
    rate = everything["csat"]["response_rate"]
    assert (rate["numerator"], rate["denominator"]) == (3, 4)  # 2 chats closed and 2 cases resolved were asked
    behind = drill.page_of(history.session, history.period(), "survey", "csat", 1)
    assert behind["total"] == 3  # each answer the average counts, its chat or its case
    assert sorted((item["kind"], item["outcome"]) for item in behind["items"]) == [
        ("case", "csat 2"), ("case", "csat 3"), ("conversation", "csat 4"),
    ]  # fmt: skip
    chat = figures.surveys(history.session, history.period(channel="chat"))["surveys"]
    assert chat["csat"]["response_rate"]["value"] == 0.5 and chat["ces"]["average"]["value"] == 6.0
    email = figures.surveys(history.session, history.period(channel="email"))["surveys"]
    assert email["csat"]["response_rate"]["value"] == 1.0 and email["ces"]["response_rate"]["numerator"] == 0


def test_knowledge_served_helpful_rate_and_clarify_counted_once(history):
    for feedback in ("helpful", "helpful", "not_helpful", "not_helpful"):
        history.conversation(("answer", 0, {"article_id": "flaky"}), (feedback, 1, {"article_id": "flaky"}))
    history.conversation(("clarify", 0, {"detail": {"offered": ["a", "b"]}}), ("answer", 1, {"article_id": "solid"}))
    history.refresh()

    found = knowledge(history.session, history.period())
    served = {a["article_id"]: a["served"] for a in found["articles"]}
    assert served == {"flaky": 4, "solid": 1} and found["clarifications"] == 1
    assert [(a["article_id"], a["helpful_rate"]["value"]) for a in found["worst_helpful"]] == [("flaky", 0.5)]


def test_an_article_drafted_from_a_case_counts_its_reuse_from_the_day_it_was_drafted(history):
    article = KnowledgeService(history.session).create(
        Content(f"Reset the hub {uuid.uuid4().hex[:6]}", "Hold the button.", [], []), author="Ann Agent"
    )
    history.session.add(
        KbArticleCase(
            article_id=article.id, case_number="CS-10042", relation="created", created_at=history.at(24 * HOUR)
        )
    )
    history.conversation(("answer", 0, {"article_id": article.id}))  # the day before it was drafted
    for day in (3, 4):
        history.conversation(("answer", day * 24 * HOUR, {"article_id": article.id}))
    history.refresh()

    drafted = {a["article_id"]: a for a in knowledge(history.session, history.period())["from_cases"]}
    assert drafted[article.id]["served_since"] == 2 and drafted[article.id]["case_number"] == "CS-10042"
