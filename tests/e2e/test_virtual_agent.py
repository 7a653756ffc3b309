"""The virtual agent end to end: the app on a real port, real Rasa, real action server, real KB index."""

import re
import uuid

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.models import Case, CaseConversation
from core.db import make_engine
from handoff.desk.presence import mark_offline, mark_online
from handoff.flows import UNSERVED_TEXT

pytestmark = pytest.mark.stack


class Chat:
    """One customer's conversation through the customer API of the live app."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=60)
        body = self.http.post("/api/conversations").json()
        self.id, self.auth = body["conversation_id"], {"Authorization": f"Bearer {body['token']}"}
        self.state = "bot"

    def say(self, text: str, payload: str | None = None) -> list[dict]:
        """Send one turn; the bot's (or system's) replies."""
        body = {"text": text} | ({"payload": payload} if payload else {})
        response = self.http.post(f"/api/conversations/{self.id}/messages", json=body, headers=self.auth)
        assert response.status_code == 200, response.text
        self.state = response.json()["state"]
        return response.json()["messages"][1:]

    def press(self, replies: list[dict], title: str) -> list[dict]:
        """Press the offered button with `title`."""
        button = next(b for m in replies for b in m.get("buttons") or [] if b["title"] == title)
        return self.say(button["title"], button["payload"])


def _text(replies: list[dict]) -> str:
    """All reply texts joined."""
    return "\n".join(m["text"] for m in replies)


@pytest.fixture
def chat(live_app):
    """A new customer conversation."""
    return Chat(live_app)


@pytest.fixture
def agent_online(app_env):
    """An agent with every skill whose desk is connected (presence in the live app's Redis prefix)."""
    user_id = 800_000 + uuid.uuid4().int % 1000
    mark_online(user_id, name="Ana Agent", skills=[])
    yield user_id
    mark_offline(user_id)


def test_a_question_is_answered_from_the_kb_with_a_link_and_feedback_buttons(chat):
    replies = chat.say("my hub says E-204, what do I do?")
    assert "cannot reach the Lumora cloud" in _text(replies)
    assert {"title": "Hub error E-204", "url": "/help/hub-e204"} in [link for m in replies for link in m["links"] or []]
    assert [b["title"] for b in replies[-1]["buttons"]] == ["Yes", "No"]
    assert "Great" in _text(chat.press(replies, "Yes"))


def test_not_helpful_offers_the_next_article_then_a_person(chat, agent_online):
    replies = chat.say("how do I get my money back for a return")
    assert "/help/refunds" in str(replies)
    second = chat.press(replies, "No")
    if "Maybe this one helps" in _text(second):  # a second answerable article exists: offered once
        second = chat.press(second, "No")
    assert "connecting you with a person" in _text(second)
    assert chat.state == "queued"
    assert chat.say("hello? anyone?") == []  # the bot stays silent while queued


def test_two_unanswerable_questions_in_a_row_hand_off(chat, agent_online):
    first = chat.say("what is the airspeed velocity of an unladen swallow")
    assert "couldn't find an answer" in _text(first)
    assert [b["title"] for b in first[-1]["buttons"]] == ["Ask in other words", "Talk to a person"]
    second = chat.say("do you sell garden furniture or lawn mowers")
    assert "connecting you with a person" in _text(second) and chat.state == "queued"


def test_asking_for_a_person_queues_the_chat(chat, agent_online):
    replies = chat.say("I want to talk to a human")
    assert "connecting you with a person" in _text(replies) and chat.state == "queued"
    assert re.search(r"You are number \d+ in the queue", _text(replies))


def test_reporting_a_problem_opens_a_case_linked_to_the_chat(chat, e2e_database_url):
    assert "email" in _text(chat.say("I want to report a problem"))
    bad = chat.say("mia at example dot com")
    assert "doesn't look like an email address" in _text(bad)
    assert "describe the problem" in _text(chat.say("mia@example.com"))
    done = _text(chat.say("My Lumora Cam shows E-402 since yesterday evening"))
    number = re.search(r"CS-\d+", done).group(0)
    with Session(make_engine(e2e_database_url)) as session:
        case = session.get(Case, int(number[3:]) - 10_000)
        assert case.customer_email == "mia@example.com" and "E-402" in case.description
        links = session.scalars(select(CaseConversation.conversation_id).where(CaseConversation.case_id == case.id))
        assert list(links) == [chat.id]


def test_cancel_leaves_the_case_form_cleanly(chat):
    chat.say("open a support ticket")
    assert "stopped" in _text(chat.say("cancel"))
    assert "Lumora virtual assistant" in _text(chat.say("hello"))


def test_case_status_needs_the_right_email(live_app, chat):
    chat.say("please create a case for me")
    chat.say("lee@example.org")
    number = re.search(r"CS-\d+", _text(chat.say("The plug keeps switching itself off at night"))).group(0)
    stranger = Chat(live_app)
    assert "email address on the case" in _text(stranger.say(f"what's the status of {number}?"))
    assert "couldn't find a case" in _text(stranger.say("someone@example.com"))
    stranger.say(f"status of case {number}")
    status = _text(stranger.say("lee@example.org"))
    assert number in status and "pick it up soon" in status


def test_with_nobody_online_the_bot_opens_a_case_instead(chat):
    replies = chat.say("let me talk to an agent")
    assert "Nobody from our team can take a chat right now" in _text(replies) and chat.state == "bot"
    chat.say("kim.b@yahoo.com")
    done = _text(chat.say("I was charged twice for my Lumora Plus subscription"))
    assert re.search(r"CS-\d+", done) and "answer by email" in done


@pytest.mark.parametrize("text", ["🙂🙂🔥", "Mein Hub zeigt den Fehler E-204, was soll ich tun?", "plug " * 790])
def test_odd_messages_get_a_sensible_reply_never_a_crash(chat, text):
    replies = chat.say(text)
    assert replies and all(m["sender"] in {"bot", "system"} for m in replies) and replies[-1]["sender"] == "bot"
    notices = [m["text"] for m in replies if m["sender"] == "system"]
    assert notices == ([UNSERVED_TEXT] if text.startswith("Mein") else [])  # German: we say which languages we serve


BILLING, DELIVERY = "Change your billing address", "Change the delivery address of an order"


def _asked_which(chat: Chat) -> list[dict]:
    """Ask what two articles could equally answer; return the bot's "Did you mean…" replies."""
    replies = chat.say("change my address")
    assert replies[-1]["text"] == "Did you mean one of these?", replies
    titles = [button["title"] for button in replies[-1]["buttons"]]
    assert {BILLING, DELIVERY} <= set(titles) and titles[-1] == "Something else"
    return replies


def test_a_typed_number_picks_an_article_the_bot_offered(chat):
    titles = [button["title"] for button in _asked_which(chat)[-1]["buttons"]]
    assert "Change billing address" in _text(chat.say(str(titles.index(BILLING) + 1)))


def test_a_button_picks_an_article_the_bot_offered(chat):
    assert "Change delivery address" in _text(chat.press(_asked_which(chat), DELIVERY))


def test_something_else_after_did_you_mean_is_the_not_found_reply(chat):
    replies = chat.press(_asked_which(chat), "Something else")
    assert "I couldn't find an answer to that in our help centre" in _text(replies) and chat.state == "bot"
