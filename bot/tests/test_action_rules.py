"""The actions' rules, fast: a real Tracker and CollectingDispatcher against the in-memory platform."""

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.cases import CASE_FAILED_TEXT, ActionCheckCase, ActionSubmitCase
from bot.actions.cases import NOT_FOUND_TEXT as NO_CASE_TEXT
from bot.actions.handoff import BROKEN_TEXT, NO_AGENT_TEXT, QUEUED_TEXT, ActionHandoff, packet
from bot.actions.knowledge import (
    CLARIFY_TEXT,
    GIVE_UP_TEXT,
    GONE_TEXT,
    NEXT_TEXT,
    NOT_FOUND_TEXT,
    ActionAnswerFromKb,
    ActionKbChoice,
    ActionKbHelpful,
    ActionKbNotHelpful,
)
from bot.tests.memory_platform import MemoryPlatform

HITS = [
    {
        "article_id": "refunds",
        "title": "Refunds",
        "url": "/help/refunds",
        "snippet": "Refunds go back to your card within 5 business days.",
        "score": 0.91,
        "tags": ["billing"],
    },
    {
        "article_id": "invoices",
        "title": "Download an invoice",
        "url": "/help/invoices",
        "snippet": "Every order has a PDF invoice.",
        "score": 0.62,
        "tags": ["billing"],
    },
]


@pytest.fixture
def platform() -> MemoryPlatform:
    """A platform that answers "where is my refund" from the refunds article."""
    memory = MemoryPlatform()
    memory.search_results["where is my refund"] = {"answerable": True, "hits": HITS, "threshold": 0.5}
    return memory


def _tracker(text: str, slots: dict | None = None) -> Tracker:
    """A tracker whose latest customer message is `text`."""
    message = {"text": text, "intent": {"name": "ask_question", "confidence": 0.9}}
    user = {"event": "user", "text": text, "parse_data": message, "metadata": {"customer_ip": "203.0.113.7"}}
    return Tracker("c-1", slots or {}, message, [user], False, None, {}, "action_listen")


def _run(action, tracker: Tracker) -> tuple[list[dict], list[dict]]:
    """Run an action; what it said and the events it returned."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def _asked_for_a_person(platform: MemoryPlatform) -> list[str]:
    """The reasons the bot asked the platform for a person, in order."""
    return [detail for name, detail in platform.calls if name == "hand_off"]


def test_an_answerable_question_gets_the_best_article_its_link_and_the_feedback_buttons(platform):
    messages, events = _run(ActionAnswerFromKb(platform), _tracker("where is my refund"))
    assert messages[0]["text"] == HITS[0]["snippet"]
    assert messages[0]["custom"] == {"links": [{"title": "Refunds", "url": "/help/refunds"}]}
    assert [b["payload"] for b in messages[1]["buttons"]] == ["/helpful", "/not_helpful"]
    assert SlotSet("kb_position", 0) in events and SlotSet("kb_misses", 0) in events


def test_the_second_unanswerable_question_in_a_row_hands_off(platform):
    messages, events = _run(ActionAnswerFromKb(platform), _tracker("who won the cricket world cup"))
    assert messages[0]["text"] == NOT_FOUND_TEXT and events == [SlotSet("kb_misses", 1)]
    assert _asked_for_a_person(platform) == []
    messages, events = _run(ActionAnswerFromKb(platform), _tracker("best pizza in naples", {"kb_misses": 1}))
    assert _asked_for_a_person(platform) == ["kb_unanswerable"]
    assert messages[0]["text"].startswith(QUEUED_TEXT) and SlotSet("kb_misses", 0) in events


def test_acknowledgements_of_one_or_two_words_never_count_as_misses(platform):
    for text in ("k", "yeah", "ah right"):
        messages, events = _run(ActionAnswerFromKb(platform), _tracker(text, {"kb_misses": 1}))
        assert messages[0]["text"] == NOT_FOUND_TEXT and events == [SlotSet("kb_misses", 1)]
    assert _asked_for_a_person(platform) == []


def test_no_offers_the_next_article_once_then_a_person(platform):
    slots = {"kb_hits": HITS, "kb_position": 0}
    messages, events = _run(ActionKbNotHelpful(platform), _tracker("No", slots))
    assert messages[0]["text"] == NEXT_TEXT and messages[1]["custom"]["links"][0]["url"] == "/help/invoices"
    assert SlotSet("kb_position", 1) in events and ("feedback", ("refunds", "not_helpful")) in platform.calls
    assert ("feedback", ("invoices", "served")) in platform.calls  # the next article is an answer of the chat
    slots = {"kb_hits": HITS, "kb_position": 1, "kb_not_helpful": 1}
    messages, _ = _run(ActionKbNotHelpful(platform), _tracker("No", slots))
    assert messages[0]["text"] == GIVE_UP_TEXT and _asked_for_a_person(platform) == ["not_helpful"]


def test_yes_is_counted_for_the_article_shown_and_resets_the_misses(platform):
    _, events = _run(ActionKbHelpful(platform), _tracker("Yes", {"kb_hits": HITS, "kb_position": 1}))
    assert ("feedback", ("invoices", "helpful")) in platform.calls
    assert events == [SlotSet("kb_misses", 0), SlotSet("kb_hits", None)]  # a later handoff is not about it


def test_the_handoff_packet_names_only_the_questions_left_open():
    said = [
        ("Hi there", "greet"),
        ("how do I download an invoice", "ask_question"),
        ("/helpful", "helpful"),
        ("my camera shows E402 every night", "report_problem"),
        ("/choose_article", "choose_article"),
        ("still broken after the reset", "rephrase"),
        ("can I talk to a real person please", "request_human"),
    ]
    events = [
        {"event": "user", "text": text, "parse_data": {"text": text, "intent": {"name": intent, "confidence": 0.9}}}
        for text, intent in said
    ]
    tracker = Tracker("c-1", {}, events[-1]["parse_data"], events, False, None, {}, "action_listen")
    assert packet(tracker, "customer_request")["problem"] == [
        "my camera shows E402 every night",
        "still broken after the reset",
    ]


def test_with_nobody_free_a_handoff_opens_the_case_form(platform):
    platform.handoff_answer = {"status": "no_agent", "why": "nobody_online"}
    messages, events = _run(ActionHandoff(platform), _tracker("a person please"))
    assert messages[0]["text"] == NO_AGENT_TEXT
    assert SlotSet("case_reason", "no_agent") in events and FollowupAction("case_form") in events


def test_with_the_platform_down_a_question_gets_an_apology_not_silence(platform):
    platform.down = True
    messages, events = _run(ActionAnswerFromKb(platform), _tracker("where is my refund"))
    assert [m["text"] for m in messages] == [BROKEN_TEXT] and events == []
    assert _asked_for_a_person(platform) == ["bot_unavailable"]


def test_a_case_is_opened_and_found_only_with_its_email(platform):
    slots = {"customer_email": "mia@example.com", "problem_description": "The cam shows E-402 every night"}
    messages, events = _run(ActionSubmitCase(platform), _tracker("The cam shows E-402 every night", slots))
    assert "CS-10001" in messages[0]["text"] and SlotSet("case_number", "CS-10001") in events
    wrong = {"case_number": "CS-10001", "customer_email": "eve@example.com"}
    assert _run(ActionCheckCase(platform), _tracker("status?", wrong))[0][0]["text"] == NO_CASE_TEXT
    right = {"case_number": "CS-10001", "customer_email": "mia@example.com"}
    assert "CS-10001" in _run(ActionCheckCase(platform), _tracker("status?", right))[0][0]["text"]


def test_a_case_that_cannot_be_opened_is_said_so(platform):
    platform.down = True
    slots = {"customer_email": "mia@example.com", "problem_description": "The cam shows E-402 every night"}
    messages, _ = _run(ActionSubmitCase(platform), _tracker("The cam shows E-402 every night", slots))
    assert messages[0]["text"] == CASE_FAILED_TEXT


CHOICES = HITS  # two close billing articles, as a "Did you mean…" offers them


@pytest.fixture
def unsure(platform) -> MemoryPlatform:
    """A platform whose search cannot tell the two billing articles apart for "money back"."""
    platform.search_results["how do I get my money back"] = {"decision": "clarify", "offered": CHOICES, "hits": HITS}
    return platform


def _pending(slots: dict | None = None) -> dict:
    """Slots right after a "Did you mean…"."""
    return {"kb_choices": CHOICES} | (slots or {})


def test_a_question_the_kb_could_mean_two_ways_asks_which_with_something_else_last(unsure):
    messages, events = _run(ActionAnswerFromKb(unsure), _tracker("how do I get my money back"))
    assert messages[0]["text"] == CLARIFY_TEXT
    assert [b["title"] for b in messages[0]["buttons"]] == ["Refunds", "Download an invoice", "Something else"]
    assert messages[0]["buttons"][0]["payload"] == '/choose_article{"article_id": "refunds"}'
    assert events == [SlotSet("kb_choices", CHOICES)]


def test_a_button_shows_the_chosen_article_as_an_answer(unsure):
    tracker = _tracker('/choose_article{"article_id": "invoices"}', _pending())
    tracker.latest_message = {
        "intent": {"name": "choose_article"},
        "entities": [{"entity": "article_id", "value": "invoices"}],
    }
    messages, events = _run(ActionKbChoice(unsure), tracker)
    assert messages[0]["text"] == HITS[1]["snippet"] and messages[1]["buttons"][0]["payload"] == "/helpful"
    assert SlotSet("kb_hits", [HITS[1]]) in events and SlotSet("kb_choices", None) in events


@pytest.mark.parametrize(
    "typed",
    ["2", "the second one", "download an INVOICE", "invoice"]
    + ["de tweede", "nummer 2", "la seconda", "l’ultimo", "toinen", "vaihtoehto 2", "viimeinen"],
)
def test_a_typed_number_or_title_picks_the_article(unsure, typed):
    messages, events = _run(ActionAnswerFromKb(unsure), _tracker(typed, _pending()))
    assert messages[0]["custom"]["links"][0]["url"] == "/help/invoices" and SlotSet("kb_choices", None) in events
    assert ("search", typed) not in unsure.calls
    assert ("feedback", ("invoices", "served")) in unsure.calls  # the pick is an answer of the chat


@pytest.mark.parametrize(
    "how",
    ["something else", "none of these", "no"]
    + [
        "nee",
        "iets anders",
        "geen van deze",
        "nessuno di questi",
        "qualcos’altro",
        "ei",
        "ei mikään näistä",
        "jokin muu",
    ],
)
def test_something_else_typed_is_the_not_found_path_and_a_miss(unsure, how):
    messages, events = _run(ActionAnswerFromKb(unsure), _tracker(how, _pending()))
    assert messages[0]["text"] == NOT_FOUND_TEXT and SlotSet("kb_misses", 1) in events


def test_the_something_else_button_after_an_earlier_miss_hands_off(unsure):
    tracker = _tracker("/something_else", _pending({"kb_misses": 1}))
    tracker.latest_message = {"intent": {"name": "something_else"}, "entities": []}
    messages, events = _run(ActionKbChoice(unsure), tracker)
    assert _asked_for_a_person(unsure) == ["kb_unanswerable"] and SlotSet("kb_choices", None) in events


def test_no_to_did_you_mean_is_something_else_not_a_verdict_on_an_article(unsure):
    messages, events = _run(ActionKbNotHelpful(unsure), _tracker("No", _pending({"kb_hits": HITS})))
    assert messages[0]["text"] == NOT_FOUND_TEXT and SlotSet("kb_misses", 1) in events
    assert not [call for call in unsure.calls if call[0] == "feedback"]


def test_an_article_archived_meanwhile_is_handled_like_something_else(unsure):
    unsure.archived.add("invoices")
    messages, events = _run(ActionAnswerFromKb(unsure), _tracker("2", _pending()))
    assert [m["text"] for m in messages] == [GONE_TEXT, NOT_FOUND_TEXT] and SlotSet("kb_choices", None) in events
    assert SlotSet("kb_misses", 1) in events and not [call for call in unsure.calls if call[0] == "feedback"]


def test_an_offer_is_answered_only_by_the_next_message(unsure):
    tracker = _tracker("2", _pending())
    tracker.events = [
        {"event": "action", "name": "action_answer_from_kb"},
        {"event": "user", "text": "hi"},
        {"event": "action", "name": "utter_greet"},
        {"event": "action", "name": "action_listen"},
        tracker.events[-1],
    ]
    _run(ActionAnswerFromKb(unsure), tracker)
    assert ("search", "2") in unsure.calls  # "2" long after the offer is a new question, not a pick


def test_anything_else_typed_after_did_you_mean_is_a_new_question(unsure):
    messages, events = _run(ActionAnswerFromKb(unsure), _tracker("where is my refund", _pending()))
    assert ("search", "where is my refund") in unsure.calls
    assert messages[0]["text"] == HITS[0]["snippet"] and SlotSet("kb_choices", None) in events
