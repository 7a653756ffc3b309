"""Support leads read any chat, the bot's own included, and act in none; agents still read only handed-off chats."""

from tests.conftest import staff_auth

BOT = {"Authorization": "Bearer test-bot-token"}


def test_a_lead_reads_any_chat_where_an_agent_is_refused(client):
    lead, agent = staff_auth("Lee Lead", ["lead"]), staff_auth("Ana Agent", ["agent"])
    opened = client.post("/api/conversations").json()
    conversation_id, customer = opened["conversation_id"], {"Authorization": f"Bearer {opened['token']}"}
    client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "hello there"}, headers=customer)
    transcript = f"/api/desk/conversations/{conversation_id}/messages"
    refused = client.get(transcript, headers=agent)
    assert refused.status_code == 403 and "never came to a person" in refused.json()["detail"]
    read = client.get(transcript, headers=lead)
    assert read.status_code == 200 and read.json()["messages"][0]["text"] == "hello there"
    assert client.get("/api/desk/conversations/no-such-chat/messages", headers=lead).status_code == 404


def test_a_lead_acts_in_no_chat(client):
    lead = staff_auth("Lee Lead", ["lead"])
    conversation_id = client.post("/api/conversations").json()["conversation_id"]
    desk = f"/api/desk/conversations/{conversation_id}"
    assert client.post(f"{desk}/accept", headers=lead).status_code == 403
    assert client.post(f"{desk}/messages", json={"text": "Hi"}, headers=lead).status_code == 403
    assert client.post(f"{desk}/notes", json={"text": "Note"}, headers=lead).status_code == 403
    assert client.get(f"{desk}/notes", headers=lead).status_code == 403  # the desk's working views stay the agents'
    assert client.get("/api/desk/queue", headers=lead).status_code == 403
