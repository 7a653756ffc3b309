"""The customer API against the real database and Redis, with Rasa unreachable."""

import json

import pytest
import redis
from starlette.websockets import WebSocketDisconnect

from cases.models import Case, case_id
from core.db import get_session_factory
from core.realtime import conversation_channel
from handoff.flows import BOT_DOWN_TEXT


def _open(client) -> tuple[str, dict]:
    """Open a conversation; return its id and the auth header."""
    response = client.post("/api/conversations")
    assert response.status_code == 201
    body = response.json()
    return body["conversation_id"], {"Authorization": f"Bearer {body['token']}"}


def test_rasa_down_gives_the_customer_a_system_message_and_keeps_theirs(client):
    conversation_id, auth = _open(client)
    response = client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "hello?"}, headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "bot"
    assert [(m["seq"], m["sender"], m["text"]) for m in body["messages"]] == [
        (1, "customer", "hello?"),
        (2, "system", BOT_DOWN_TEXT),
    ]
    listed = client.get(f"/api/conversations/{conversation_id}/messages?after=0", headers=auth).json()
    assert [m["text"] for m in listed["messages"]] == ["hello?", BOT_DOWN_TEXT]


def test_messages_after_a_seq_resume_where_the_client_left_off(client):
    conversation_id, auth = _open(client)
    for text in ("one", "two"):
        client.post(f"/api/conversations/{conversation_id}/messages", json={"text": text}, headers=auth)
    after = client.get(f"/api/conversations/{conversation_id}/messages?after=2", headers=auth).json()["messages"]
    assert [(m["seq"], m["text"]) for m in after] == [(3, "two"), (4, BOT_DOWN_TEXT)]
    assert after[0]["created_at"].endswith("+00:00")


def test_empty_and_oversized_text_are_refused_with_the_reason_and_nothing_stored(client):
    conversation_id, auth = _open(client)
    url = f"/api/conversations/{conversation_id}/messages"
    empty = client.post(url, json={"text": "   "}, headers=auth)
    assert empty.status_code == 422
    assert empty.json()["detail"][0]["loc"] == ["body", "text"]
    huge = client.post(url, json={"text": "x" * 4001}, headers=auth)
    assert huge.status_code == 413
    assert "4000" in huge.json()["detail"]
    assert client.get(url, headers=auth).json()["messages"] == []


def test_wrong_or_missing_token_is_401_and_unknown_conversation_404(client):
    conversation_id, _ = _open(client)
    other_id, other_auth = _open(client)
    url = f"/api/conversations/{conversation_id}/messages"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=other_auth).status_code == 401
    assert client.post(url, json={"text": "hi"}, headers=other_auth).status_code == 401
    missing = client.get("/api/conversations/no-such-id/messages", headers=other_auth)
    assert missing.status_code == 404
    assert "no-such-id" in missing.json()["detail"]


def test_a_payload_the_bot_never_offered_is_refused(client):
    conversation_id, auth = _open(client)
    response = client.post(
        f"/api/conversations/{conversation_id}/messages",
        json={"text": "Talk to a human", "payload": "/human"},
        headers=auth,
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "payload"]


def test_ended_chat_refuses_new_messages(client):
    conversation_id, auth = _open(client)
    assert client.post(f"/api/conversations/{conversation_id}/end", headers=auth).json() == {"state": "closed"}
    response = client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "hi"}, headers=auth)
    assert response.status_code == 409
    messages = client.get(f"/api/conversations/{conversation_id}/messages", headers=auth).json()
    assert messages["state"] == "closed"
    assert messages["messages"][-1]["sender"] == "system"


def test_messages_are_published_to_redis_for_other_workers(client, app_env):
    conversation_id, auth = _open(client)
    pubsub = redis.Redis.from_url(app_env["REDIS_URL"], decode_responses=True).pubsub()
    pubsub.subscribe(conversation_channel(conversation_id))
    pubsub.get_message(timeout=1)  # the subscribe confirmation
    client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "ping"}, headers=auth)
    frames = [pubsub.get_message(timeout=2) for _ in range(2)]
    pubsub.close()
    assert [json.loads(f["data"])["message"]["text"] for f in frames] == ["ping", BOT_DOWN_TEXT]


def test_websocket_pushes_the_state_then_live_messages(client):
    conversation_id, auth = _open(client)
    with client.websocket_connect(f"/ws/conversations/{conversation_id}") as ws:
        ws.send_json({"type": "hello", "token": auth["Authorization"][7:]})
        assert ws.receive_json() == {"type": "state", "state": "bot"}
        client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "live?"}, headers=auth)
        first = ws.receive_json()
        assert first["type"] == "message"
        assert (first["message"]["seq"], first["message"]["text"]) == (1, "live?")


@pytest.mark.parametrize("first_frame", [{"type": "hello", "token": "wrong"}, {"type": "say", "text": "hi"}, "hello"])
def test_a_socket_whose_first_frame_is_not_the_right_hello_is_closed(client, first_frame):
    conversation_id, auth = _open(client)
    token = auth["Authorization"][7:]
    with client.websocket_connect(f"/ws/conversations/{conversation_id}?token={token}") as ws:  # a URL token is no key
        ws.send_json(first_frame)
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4401


def test_message_rate_limit_answers_429_with_a_reason(client, monkeypatch):
    monkeypatch.setenv("MESSAGES_PER_MINUTE", "2")
    from core.settings import get_settings

    get_settings.cache_clear()
    conversation_id, auth = _open(client)
    url = f"/api/conversations/{conversation_id}/messages"
    codes = [client.post(url, json={"text": f"m{i}"}, headers=auth).status_code for i in range(3)]
    assert codes == [200, 200, 429]
    limited = client.post(url, json={"text": "again"}, headers=auth)
    assert "too many messages" in limited.json()["detail"]


def test_a_customers_line_goes_on_the_case_opened_from_their_chat_and_nowhere_else(client):
    conversation_id, auth = _open(client)
    body = {"conversation_id": conversation_id, "customer_email": "aino@example.com", "subject": "Order missing"}
    opened = client.post("/api/cases", json=body, headers=auth)
    assert opened.status_code == 201, opened.text
    url = f"/api/conversations/{conversation_id}/messages"
    assert client.post(url, json={"text": "it is still not here"}, headers=auth).status_code == 200
    other_id, other_auth = _open(client)
    said = {"text": "a line of another chat"}
    assert client.post(f"/api/conversations/{other_id}/messages", json=said, headers=other_auth).status_code == 200
    with get_session_factory()() as session:
        case = session.get(Case, case_id(opened.json()["number"]))
        lines = [(e.text, e.data) for e in case.timeline if e.kind == "customer_message"]
    assert lines == [("it is still not here", {"conversation_id": conversation_id})]
