"""The bot's actions end to end: a real Tracker and CollectingDispatcher against the real platform API (the app
under uvicorn); the rules alone are tested fast in test_action_rules.py."""

import asyncio
import json
import re
import urllib.request

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.cases import ActionCheckCase, ActionSubmitCase, ValidateCaseForm
from bot.actions.handoff import BROKEN_TEXT, NO_AGENT_TEXT
from bot.actions.knowledge import NOT_FOUND_TEXT, ActionAnswerFromKb, ActionKbNotHelpful
from bot.actions.platform import Platform, close_session


def _conversation(platform_url: str) -> str:
    """Open a real conversation on the platform; its id is the Rasa sender id."""
    request = urllib.request.Request(f"{platform_url}/api/conversations", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["conversation_id"]


def _tracker(sender: str, text: str, slots: dict | None = None, language: str | None = None) -> Tracker:
    """A tracker whose latest customer message is `text`, sent from 203.0.113.7 (in a conversation the app says is
    in `language`, if given)."""
    message = {"text": text, "intent": {"name": "ask_question", "confidence": 0.9}}
    user = {
        "event": "user",
        "text": text,
        "parse_data": message | {"intent_ranking": [message["intent"]]},
        "metadata": {"customer_ip": "203.0.113.7"} | ({"language": language} if language else {}),
    }
    return Tracker(sender, slots or {}, message, [user], False, None, {}, "action_listen")


def _run(action, tracker: Tracker):
    """Run an action in an event loop of its own; its messages and events."""
    dispatcher = CollectingDispatcher()

    async def run_and_close():
        try:
            return await action.run(dispatcher, tracker, {})
        finally:
            await close_session()

    events = asyncio.run(run_and_close())
    return dispatcher.messages, events


def test_a_question_is_answered_with_the_article_link_and_feedback_buttons(platform_url):
    messages, events = _run(ActionAnswerFromKb(), _tracker("c-1", "my hub shows E-204"))
    assert "cannot reach the Lumora cloud" in messages[0]["text"]
    assert messages[0]["custom"] == {"links": [{"title": "Hub error E-204", "url": "/help/hub-e204"}]}
    assert [b["payload"] for b in messages[1]["buttons"]] == ["/helpful", "/not_helpful"]
    hits = next(e["value"] for e in events if e["name"] == "kb_hits")
    assert hits[0]["article_id"] == "hub-e204" and hits[0]["tags"] == ["troubleshooting", "hub"]


def test_a_dutch_customer_is_answered_from_the_dutch_article(platform_url):
    tracker = _tracker(_conversation(platform_url), "mijn hub maakt geen verbinding met de cloud", language="nl")
    messages, events = _run(ActionAnswerFromKb(), tracker)
    assert "Lumora-cloud niet kan bereiken" in messages[0]["text"]
    assert messages[0]["custom"] == {"links": [{"title": "Hubfout E-204", "url": "/help/hub-e204?lang=nl"}]}  # in Dutch
    assert next(e["value"] for e in events if e["name"] == "kb_hits")[0]["title"] == "Hubfout E-204"


def test_a_picked_article_is_checked_in_the_conversation_s_language(platform_url):
    async def served(language: str | None, article_id: str) -> bool:
        try:
            return await Platform().is_served(_tracker("c-4", "2", language=language), article_id)
        finally:
            await close_session()

    assert asyncio.run(served("nl", "hub-e204")) and asyncio.run(served(None, "invoices"))
    assert not asyncio.run(served("nl", "invoices"))  # a Dutch search never offers it: it has no Dutch translation


def test_the_second_unanswerable_question_hands_off_and_with_nobody_online_opens_the_case_form(platform_url):
    sender = _conversation(platform_url)
    messages, events = _run(ActionAnswerFromKb(), _tracker(sender, "who won the cricket world cup in 1983"))
    assert messages[0]["text"] == NOT_FOUND_TEXT and SlotSet("kb_misses", 1) in events
    messages, events = _run(ActionAnswerFromKb(), _tracker(sender, "best pizza in naples", {"kb_misses": 1}))
    assert messages[0]["text"] == NO_AGENT_TEXT
    assert SlotSet("case_reason", "no_agent") in events and FollowupAction("case_form") in events


def test_unanswerable_words_too_few_for_a_question_never_hand_off(platform_url):
    sender = _conversation(platform_url)
    for text in ("yeah", "ah right", "k"):
        messages, events = _run(ActionAnswerFromKb(), _tracker(sender, text, {"kb_misses": 1}))
        assert messages[0]["text"] == NOT_FOUND_TEXT and messages[0]["buttons"][-1]["title"] == "Talk to a person"
        assert events == [SlotSet("kb_misses", 1)]  # the miss counter stays where it was: no handoff


def test_not_helpful_offers_the_next_article_once(platform_url):
    hits = [
        {
            "article_id": "refunds",
            "title": "Refunds",
            "url": "/help/refunds",
            "snippet": "Refunds go back…",
            "score": 0.9,
            "tags": ["billing"],
        },
        {
            "article_id": "invoices",
            "title": "Download an invoice",
            "url": "/help/invoices",
            "snippet": "Every order…",
            "score": 0.6,
            "tags": ["billing"],
        },
    ]
    messages, events = _run(ActionKbNotHelpful(), _tracker("c-2", "No", {"kb_hits": hits, "kb_position": 0}))
    assert messages[1]["custom"]["links"][0]["url"] == "/help/invoices" and SlotSet("kb_position", 1) in events
    sender = _conversation(platform_url)
    slots = {"kb_hits": hits, "kb_position": 1, "kb_not_helpful": 1}
    messages, _ = _run(ActionKbNotHelpful(), _tracker(sender, "No", slots))
    assert messages[-1]["text"] == NO_AGENT_TEXT


def test_the_case_form_explains_a_bad_email_and_keeps_a_good_one():
    dispatcher = CollectingDispatcher()
    form = ValidateCaseForm()
    assert form.validate_customer_email("mia at example", dispatcher, None, {}) == {"customer_email": None}
    assert "doesn't look like an email address" in dispatcher.messages[0]["text"]
    assert form.validate_customer_email(" Mia@Example.com ", dispatcher, None, {}) == {
        "customer_email": "mia@example.com"
    }


def test_a_submitted_case_is_created_and_then_found_only_with_its_email(platform_url):
    sender = _conversation(platform_url)
    slots = {"customer_email": "mia@example.com", "problem_description": "The cam shows E-402 every night"}
    messages, events = _run(ActionSubmitCase(), _tracker(sender, "The cam shows E-402 every night", slots))
    number = re.search(r"CS-\d+", messages[0]["text"]).group(0)
    assert SlotSet("case_number", number) in events
    stranger = _conversation(platform_url)
    wrong = {"case_number": number, "customer_email": "eve@example.com"}
    messages, _ = _run(ActionCheckCase(), _tracker(stranger, "status?", wrong))
    assert "couldn't find a case" in messages[0]["text"]
    right = {"case_number": number, "customer_email": "mia@example.com"}
    messages, _ = _run(ActionCheckCase(), _tracker(stranger, "status?", right))
    assert number in messages[0]["text"] and "pick it up soon" in messages[0]["text"]


def test_with_the_platform_down_the_bot_apologises(platform_url, monkeypatch):
    monkeypatch.setenv("SWARMDESK_API_URL", "http://127.0.0.1:9")
    messages, events = _run(ActionAnswerFromKb(), _tracker("c-3", "my hub shows E-204"))
    assert messages == [{**messages[0], "text": BROKEN_TEXT}] and events == []


@pytest.fixture(autouse=True)
def _quiet_logs(caplog):
    """Platform failures are logged as warnings; keep them in the report only when a test fails."""
    caplog.set_level("ERROR", logger="bot.actions.platform")
