"""The customer API with the trained model, the real Rasa server and the real action server."""

import httpx
import pytest

from handoff import messages

pytestmark = pytest.mark.stack


def _open(client) -> tuple[str, dict]:
    """Open a conversation; return its id and the auth header."""
    body = client.post("/api/conversations").json()
    return body["conversation_id"], {"Authorization": f"Bearer {body['token']}"}


def _say(client, conversation_id: str, auth: dict, text: str, payload: str | None = None) -> list[dict]:
    """Send one customer turn; return the new messages."""
    body = {"text": text} if payload is None else {"text": text, "payload": payload}
    response = client.post(f"/api/conversations/{conversation_id}/messages", json=body, headers=auth)
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def test_greeting_gets_the_bots_greeting(stack_client):
    conversation_id, auth = _open(stack_client)
    customer, *bot = _say(stack_client, conversation_id, auth, "hi")
    assert customer["sender"] == "customer"
    assert [m["sender"] for m in bot] == ["bot"]
    assert "Lumora virtual assistant" in bot[0]["text"]


def test_free_text_starting_with_a_slash_is_not_an_intent(stack_client, bot_stack):
    conversation_id, auth = _open(stack_client)
    customer, *bot = _say(stack_client, conversation_id, auth, "/greet")
    assert customer["text"] == "/greet" and bot
    tracker = httpx.get(f"{bot_stack['RASA_URL']}/conversations/{conversation_id}/tracker").json()
    parsed = tracker["latest_message"]
    # "/greet" as a command gives exactly one intent at confidence 1.0; as text it is classified by DIET.
    assert parsed["text"] != "/greet"
    assert len(parsed["intent_ranking"]) > 1


def test_an_offered_button_payload_reaches_rasa_as_an_intent(stack_client, app_env):
    conversation_id, auth = _open(stack_client)
    from core.db import get_session_factory

    with get_session_factory()() as session:
        messages.store(
            session=session,
            conversation_id=conversation_id,
            messages=[
                {
                    "sender": "bot",
                    "sender_name": "bot",
                    "text": "Say hello?",
                    "buttons": [{"title": "Hello", "payload": "/greet"}],
                }
            ],
        )
    _, reply = _say(stack_client, conversation_id, auth, "Hello", payload="/greet")
    assert "Lumora virtual assistant" in reply["text"]


def test_health_reports_every_dependency_ok(live_app):
    response = httpx.get(f"{live_app}/healthz")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "redis": "ok",
        "rasa": "ok",
        "actions": "ok",
        "knowledge_base": "ok",
    }
