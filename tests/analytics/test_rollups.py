"""The roll-ups agree with the raw rows, catch up incrementally, and group unanswered questions by meaning."""

import random
from datetime import timedelta

from sqlalchemy import select

from analytics import figures
from analytics.articles import draft_article, knowledge, unanswered
from analytics.models import ConversationFacts
from analytics.outcomes import facts_of, outcome
from core.activity import Activity
from knowledge.models import KbArticle
from tests.analytics.conftest import visitor

ARTICLES = ("pair-hub", "billing-cycle", "reset-password")


def _random_conversation(history, rng: random.Random, visitors: list[str]) -> None:
    """A conversation of a random shape: answered or not, feedback or not, handed off or not."""
    start = rng.uniform(0, 5 * 24 * 60)
    article = rng.choice(ARTICLES)
    steps = [("answer", start, {"article_id": article})] if rng.random() < 0.8 else [("not_found", start)]
    if rng.random() < 0.4:
        steps.append((rng.choice(("helpful", "not_helpful")), start + 1, {"article_id": article}))
    if rng.random() < 0.3:
        steps += [("handoff", start + 2, {"reason": rng.choice(("customer_request", "kb_unanswerable"))})]
        steps += [("accept", start + 2 + rng.uniform(0.1, 20), {"actor_id": rng.randint(1, 3)})]
    history.conversation(*steps, visitor=rng.choice(visitors))


def _from_raw_rows(history, conversation_ids: set[str], now) -> dict[str, int]:
    """Outcome counts computed straight from the activity rows, without the roll-ups."""
    rows = history.session.scalars(
        select(Activity).where(Activity.conversation_id.in_(conversation_ids)).order_by(Activity.at, Activity.id)
    )
    grouped: dict[str, list] = {}
    for row in rows:
        grouped.setdefault(row.conversation_id, []).append(row)
    all_facts = [facts_of(rows, {}) for rows in grouped.values()]
    counts: dict[str, int] = {}
    for facts in all_facts:
        decided, _ = outcome(facts, all_facts, now=now, window=timedelta(hours=72))
        counts[decided] = counts.get(decided, 0) + 1
    return counts


def test_incremental_refreshes_give_the_figures_the_raw_rows_give(history):
    rng, visitors = random.Random(23), [visitor() for _ in range(6)]
    for batch in range(3):  # rows arrive between refreshes
        for _ in range(15):
            _random_conversation(history, rng, visitors)
        history.refresh(hours_later=24 * (batch + 1))
    now = history.start + timedelta(days=12)
    history.refresh(hours_later=24 * 12)

    mine = set(history.session.scalars(select(ConversationFacts.conversation_id).where(*history.period().where(
        ConversationFacts.day, ConversationFacts.channel))))  # fmt: skip
    assert len(mine) == 45
    found = figures.containment(history.session, history.period())
    from_rollups = {name: figure["numerator"] for name, figure in found["outcomes"].items() if figure["numerator"]}
    assert from_rollups == _from_raw_rows(history, mine, now)
    served = sum(1 for row in history.session.scalars(select(Activity).where(
        Activity.conversation_id.in_(mine), Activity.kind == "answer")))  # fmt: skip
    assert figures.overview(history.session, history.period())["conversations"] == 45
    assert knowledge(history.session, history.period())["answers"] == served


def test_unanswered_questions_cluster_by_meaning_and_a_cluster_recontacts_and_drafts(history, embed):
    asker = visitor()
    first = history.conversation(
        ("not_found", 0, {"detail": {"question": "how do I change my delivery address"}}), visitor=asker
    )
    history.conversation(
        ("not_found", 120, {"detail": {"question": "can I change the address for my delivery"}}), visitor=asker
    )
    history.conversation(
        ("handoff", 0, {"reason": "kb_unanswerable", "detail": {"question": "update the shipping address on my order"}})
    )
    history.conversation(("not_found", 10, {"detail": {"question": "my desk lamp keeps flickering"}}))
    history.refresh(embed=embed)

    found = unanswered(history.session, history.period())
    top = found["clusters"][0]
    assert top["count"] == 3 and len(top["examples"]) == 3
    assert all("address" in example for example in top["examples"])
    assert [c["count"] for c in found["clusters"]] == [3, 1]
    facts = history.session.get(ConversationFacts, first)
    assert facts.outcome == "recontacted"  # the same visitor asked the same thing again two hours later

    article = draft_article(history.session, top["cluster"], author="Lee Lead")
    history.session.commit()
    stored = history.session.get(KbArticle, article.id)
    assert stored.status == "draft" and "how do I change my delivery address" in stored.questions
    assert draft_article(history.session, top["cluster"], author="Lee Lead").id == article.id  # not a second draft
