"""Canned replies: who sees and changes which, placeholders checked at save, filled per chat, never sent raw."""

import pytest

from handoff.desk.presence import mark_offline, mark_online
from tests.handoff.test_swarms_api import person

BOT = {"Authorization": "Bearer test-bot-token"}


def _save(client, auth: dict, title: str, text: str = "Hello.", **audience) -> dict:
    """Save a reply; its answer's body."""
    answer = client.post("/api/canned", json={"title": title, "text": text, **audience}, headers=auth)
    assert answer.status_code == 201, answer.text
    return answer.json()


def _titles(client, auth: dict) -> set[str]:
    """The titles of the replies a caller sees."""
    return {reply["title"] for reply in client.get("/api/canned", headers=auth).json()["replies"]}


@pytest.fixture
def team(client):
    """An admin, Ana (agent, billing), Ben (agent, legal) and an expert."""
    return (
        client,
        person("Ada Admin", ["admin"])[1],
        person("Ana Agent", ["agent"], "billing")[1],
        person("Ben Agent", ["agent"], "legal")[1],
        person("Eve Expert", ["expert"])[1],
    )


def test_an_agent_sees_their_own_the_teams_for_everyone_and_for_their_skills_only(team):
    client, admin, ana, ben, expert = team
    _save(client, admin, "Team hello", share="everyone")
    _save(client, admin, "Billing refund", share="skill", skill="billing")
    _save(client, admin, "Legal notice", share="skill", skill="legal")
    _save(client, ana, "Ana's sign-off")
    _save(client, ben, "Ben's sign-off")
    seen = _titles(client, ana)
    assert {"Team hello", "Billing refund", "Ana's sign-off", "Thanks for waiting"} <= seen  # the desk's old four too
    assert not {"Legal notice", "Ben's sign-off"} & seen
    assert {"Legal notice", "Ben's sign-off"} <= _titles(client, ben) and "Billing refund" not in _titles(client, ben)
    admin_sees = _titles(client, admin)
    assert {"Team hello", "Billing refund", "Legal notice"} <= admin_sees  # all the team's
    assert not {"Ana's sign-off", "Ben's sign-off"} & admin_sees  # never an agent's own
    assert client.get("/api/canned", headers=expert).status_code == 403
    mine = [r for r in client.get("/api/canned", headers=ana).json()["replies"] if r["title"] == "Ana's sign-off"]
    assert mine[0]["editable"] and mine[0]["share"] == "private"


def test_only_the_owner_changes_a_private_reply_and_only_admins_the_teams(team):
    client, admin, ana, ben, _ = team
    own = _save(client, ana, "Ana's own", "Mine.")["id"]
    shared = _save(client, admin, "Shared one", "Ours.", share="everyone")["id"]
    edit = {"title": "Taken", "text": "Changed."}
    for who in (ben, admin):  # another agent's private reply is not theirs to know of, admins included
        assert client.put(f"/api/canned/{own}", json=edit, headers=who).status_code == 404
        assert client.delete(f"/api/canned/{own}", headers=who).status_code == 404
    assert client.put(f"/api/canned/{shared}", json=edit, headers=ana).status_code == 403
    assert client.delete(f"/api/canned/{shared}", headers=ana).status_code == 403
    for_all = {"title": "Mine for all", "text": "Hi.", "share": "everyone"}
    refused = client.post("/api/canned", json=for_all, headers=ana)
    assert refused.status_code == 403 and "share" in refused.json()["detail"]
    shared_row = [r for r in client.get("/api/canned", headers=ana).json()["replies"] if r["id"] == shared][0]
    assert shared_row["text"] == "Ours." and not shared_row["editable"]
    assert client.put(f"/api/canned/{own}", json=edit, headers=ana).json()["text"] == "Changed."
    assert client.put(f"/api/canned/{shared}", json=edit | {"share": "everyone"}, headers=admin).status_code == 200
    assert client.delete(f"/api/canned/{own}", headers=ana).status_code == 204
    assert client.delete(f"/api/canned/{own}", headers=ana).status_code == 404
    assert client.put("/api/canned/999999", json=edit, headers=admin).status_code == 404


def test_an_unknown_placeholder_or_a_skill_without_a_skill_share_is_refused_naming_the_field(team):
    client, admin, ana, *_ = team
    bad = client.post("/api/canned", json={"title": "Order", "text": "Your order {order_id} ships."}, headers=ana)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "share=private|everyone", "text"]
    assert "{order_id}" in bad.json()["detail"][0]["msg"]
    no_skill = client.post("/api/canned", json={"title": "S", "text": "Hi.", "share": "skill"}, headers=admin)
    assert no_skill.status_code == 422 and no_skill.json()["detail"][0]["loc"] == ["body", "share=skill", "skill"]
    stray = client.post("/api/canned", json={"title": "S", "text": "Hi.", "skill": "billing"}, headers=admin)
    assert stray.status_code == 422 and stray.json()["detail"][0]["loc"] == ["body", "share=private|everyone", "skill"]
    good = "Hi {customer_name}, {agent_name} here about {case_number}."
    assert _save(client, ana, "All three", good)["text"] == good


@pytest.fixture
def held(client):
    """A handed-off chat Ana accepted; her bearer header, and a reply using every placeholder."""
    ana_id, ana = person("Ana Agent", ["agent"])
    mark_online(ana_id, name="Ana Agent", skills=[])
    opened = client.post("/api/conversations").json()
    conversation = opened["conversation_id"]
    body = {"conversation_id": conversation, "reason": "customer_request", "packet": {"summary": "refund"}}
    assert client.post("/api/bot/handoff", json=body, headers=BOT).json()["status"] == "queued"
    assert client.post(f"/api/desk/conversations/{conversation}/accept", headers=ana).status_code == 200
    reply = _save(client, ana, "Refund", "Hi {customer_name}, {agent_name} here: {case_number} is refunded.")
    yield client, conversation, ana, f"/api/desk/conversations/{conversation}/canned/{reply['id']}/filled"
    mark_offline(ana_id)


def test_a_reply_is_filled_from_the_chat_and_a_placeholder_without_a_value_is_named(held):
    client, conversation, ana, url = held
    visitor = client.get(url, headers=ana).json()  # a "Visitor 1234" is no name, and no case is linked yet
    assert visitor == {
        "text": "Hi {customer_name}, Ana Agent here: {case_number} is refunded.",
        "missing": ["customer_name", "case_number"],
    }
    case = {"customer_email": "lea@example.com", "subject": "Refund"}
    number = client.post(f"/api/desk/conversations/{conversation}/case", json=case, headers=ana).json()["number"]
    by_email = client.get(url, headers=ana).json()  # an email address is no name either
    assert by_email["missing"] == ["customer_name"] and number in by_email["text"]
    case |= {"customer_name": "Lea Vos", "subject": "Second refund"}
    latest = client.post(f"/api/desk/conversations/{conversation}/case", json=case, headers=ana).json()["number"]
    filled = client.get(url, headers=ana).json()
    assert filled == {"text": f"Hi Lea Vos, Ana Agent here: {latest} is refunded.", "missing": []}
    ben = person("Ben Agent", ["agent"])[1]
    assert client.get(url, headers=ben).status_code == 404  # Ana's own reply: Ben does not see it
    unknown = f"/api/desk/conversations/{conversation}/canned/999999/filled"
    assert client.get(unknown, headers=ana).status_code == 404


def test_a_message_still_holding_a_placeholder_is_refused_and_not_stored(held):
    client, conversation, ana, _ = held
    messages = f"/api/desk/conversations/{conversation}/messages"
    raw = client.post(messages, json={"text": "Hi {customer_name}, how can I help?"}, headers=ana)
    assert raw.status_code == 422 and raw.json()["detail"][0]["loc"] == ["body", "text"]
    assert "{customer_name}" in raw.json()["detail"][0]["msg"]
    texts = [m["text"] for m in client.get(messages, headers=ana).json()["messages"]]
    assert not [text for text in texts if "{customer_name}" in text]
    assert client.post(messages, json={"text": "Your {order} ships today."}, headers=ana).status_code == 200


def test_the_page_offers_sharing_to_admins_only_and_refuses_other_roles(team):
    client, admin, ana, _, expert = team
    assert "Shared with" in client.get("/desk/canned", headers=admin).text
    page = client.get("/desk/canned", headers=ana)
    assert page.status_code == 200 and "Add a reply" in page.text and "Shared with" not in page.text
    assert client.get("/desk/canned", headers=expert).status_code == 403
