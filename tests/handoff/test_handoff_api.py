"""Handoff requests from the bot, availability, the silent bot while queued, and hand-back (Rasa unreachable here)."""

import re
import uuid
from datetime import UTC, datetime

import pytest

from core.db import get_session_factory
from handoff.desk.presence import mark_offline, mark_online, within_business_hours
from handoff.flows import BOT_DOWN_TEXT, PERSON_BUTTON
from ops import admin
from people import service as people

BOT = {"Authorization": "Bearer test-bot-token"}


@pytest.fixture
def online_agent(app_env):
    """An agent whose desk is connected, with the billing skill."""
    user_id = 900_000 + uuid.uuid4().int % 1000
    mark_online(user_id, name="Ana Agent", skills=["billing"])
    yield user_id
    mark_offline(user_id)


def _open(client) -> tuple[str, dict]:
    """Open a conversation; its id and the customer's auth header."""
    body = client.post("/api/conversations").json()
    return body["conversation_id"], {"Authorization": f"Bearer {body['token']}"}


def _handoff(client, conversation_id, reason="customer_request", tags=("billing",)):
    """The bot's handoff request, with a KB article tried."""
    packet = {"kb_articles_tried": [{"article_id": "refunds", "title": "Refunds", "score": 0.4, "tags": list(tags)}]}
    return client.post(
        "/api/bot/handoff", json={"conversation_id": conversation_id, "reason": reason, "packet": packet}, headers=BOT
    )


def test_with_nobody_online_the_bot_is_told_why(client):
    conversation_id, _ = _open(client)
    answer = _handoff(client, conversation_id).json()
    assert answer["status"] == "no_agent" and answer["why"] == "nobody_online"


def test_a_queued_conversation_gets_no_bot_replies(client, online_agent):
    conversation_id, auth = _open(client)
    answer = _handoff(client, conversation_id).json()
    assert answer == {"status": "queued", "position": answer["position"], "skill": "billing"}
    again = _handoff(client, conversation_id).json()
    assert again["position"] == answer["position"]  # asking twice does not queue twice
    reply = client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "hello?"}, headers=auth)
    assert reply.json()["state"] == "queued"
    assert [m["sender"] for m in reply.json()["messages"]] == ["customer"]  # stored, and the bot stays silent


def test_nobody_with_the_needed_skill_is_not_a_queue(client, online_agent):
    conversation_id, _ = _open(client)
    answer = _handoff(client, conversation_id, tags=("privacy",)).json()
    assert answer == {"status": "no_agent", "why": "no_agent_with_skill", "text": answer["text"]}


def test_only_the_bot_may_request_a_handoff(client):
    conversation_id, auth = _open(client)
    body = {"conversation_id": conversation_id, "reason": "customer_request"}
    assert client.post("/api/bot/handoff", json=body, headers=auth).status_code == 401
    assert client.post("/api/bot/handoff", json=body | {"reason": "bored"}, headers=BOT).status_code == 422
    assert client.post("/api/bot/handoff", json=body | {"conversation_id": "nope"}, headers=BOT).status_code == 404


def test_with_the_bot_down_the_customer_can_still_reach_a_person(client, online_agent):
    conversation_id, auth = _open(client)
    first = client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "hi"}, headers=auth).json()
    notice = first["messages"][-1]
    assert notice["text"] == BOT_DOWN_TEXT and notice["buttons"] == [PERSON_BUTTON]
    body = {"text": PERSON_BUTTON["title"], "payload": PERSON_BUTTON["payload"]}
    taken = client.post(f"/api/conversations/{conversation_id}/messages", json=body, headers=auth).json()
    assert taken["state"] == "queued" and "you are number" in taken["messages"][-1]["text"]


def _agent() -> tuple[dict, int]:
    """A new agent whose desk is connected (the router hands an offline agent's chats back): bearer header, id."""
    email = f"agent-{uuid.uuid4().hex[:6]}@lumora.example"
    admin.create_user(email, "Ana Agent", ["agent"], "agent-password-1")
    with get_session_factory()() as session:
        user_id = people.get_by_email(session=session, email=email).id
    mark_online(user_id, name="Ana Agent", skills=["billing"])
    return {"Authorization": f"Bearer {admin.create_token(email, 't')}"}, user_id


def test_hand_back_needs_the_agent_holding_the_chat_and_a_reachable_bot(client, online_agent):
    conversation_id, _ = _open(client)
    _handoff(client, conversation_id)
    (holder, holder_id), (other, other_id) = _agent(), _agent()
    url = f"/api/conversations/{conversation_id}/hand-back"
    assert client.post(url, headers=holder).status_code == 403  # waiting: nobody holds it yet
    assert client.post(f"/api/desk/conversations/{conversation_id}/accept", headers=holder).status_code == 200
    assert client.post(url, headers=BOT).status_code == 403
    not_theirs = client.post(url, headers=other)
    assert not_theirs.status_code == 403 and "not the agent on this conversation" in not_theirs.json()["detail"]
    down = client.post(url, headers=holder)
    assert down.status_code == 503 and "cannot take it back" in down.json()["detail"]
    mark_offline(holder_id), mark_offline(other_id)


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (datetime(2026, 11, 23, 8, 30, tzinfo=UTC), True),  # Monday 09:30 in Amsterdam
        (datetime(2026, 11, 23, 17, 30, tzinfo=UTC), False),  # Monday 18:30
        (datetime(2026, 11, 22, 10, 0, tzinfo=UTC), False),  # Sunday
    ],
)
def test_business_hours(moment, open_):
    assert within_business_hours("mon-fri 08:00-18:00", moment, "Europe/Amsterdam") is open_
    assert within_business_hours("", moment, "Europe/Amsterdam") is True


def test_with_the_bot_down_and_nobody_online_an_email_address_opens_a_case_with_the_saved_message(client):
    conversation_id, auth = _open(client)
    url = f"/api/conversations/{conversation_id}/messages"
    client.post(url, json={"text": "My hub reboots every hour"}, headers=auth)
    body = {"text": PERSON_BUTTON["title"], "payload": PERSON_BUTTON["payload"]}
    asked = client.post(url, json=body, headers=auth).json()["messages"][-1]["text"]
    assert "Nobody from our team is online" in asked and "email address" in asked
    opened = client.post(url, json={"text": "rita@example.com"}, headers=auth).json()["messages"][-1]["text"]
    number = re.search(r"CS-\d+", opened).group(0)
    assert "we'll email you at rita@example.com" in opened
    email = f"agent-{uuid.uuid4().hex[:6]}@lumora.example"
    admin.create_user(email, "Ana Agent", ["agent"], "agent-password-1")
    agent = {"Authorization": f"Bearer {admin.create_token(email, 't')}"}
    case = client.get(f"/api/cases/{number}", headers=agent).json()
    assert case["customer_email"] == "rita@example.com" and "My hub reboots every hour" in case["description"]
