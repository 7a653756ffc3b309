"""The case API over real Redis and databases: customer access matrix, agents' work, conflicts and limits."""

import time

import pytest

from tests.conftest import app_client, staff_auth


@pytest.fixture
def api(own_queue, tmp_path, monkeypatch):
    """The app with its own outbox, rate-limit keys and a small lookup limit; `api.agent` is an agent's auth header."""
    env = {"mail_outbox_dir": tmp_path / "outbox", "case_lookups_per_hour": 8}
    with app_client(monkeypatch, **env) as client:
        client.agent = staff_auth("Ana Agent", ["agent"])
        client.expert = staff_auth("Eli Expert", ["expert"])
        client.outbox = tmp_path / "outbox"
        yield client


def _conversation(api) -> tuple[str, dict]:
    """Open a chat; its id and the customer's auth header."""
    body = api.post("/api/conversations").json()
    return body["conversation_id"], {"Authorization": f"Bearer {body['token']}"}


def _open_case(api, conversation_id, auth, email="mia@example.com", **extra):
    """Open a case from a conversation as its customer."""
    body = {"conversation_id": conversation_id, "customer_email": email, "subject": "Hub shows E-101"} | extra
    response = api.post("/api/cases", json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def test_customer_access_matrix(api):
    mine, my_auth = _conversation(api)
    other, other_auth = _conversation(api)
    number = _open_case(api, mine, my_auth)["number"]
    bot = {"Authorization": "Bearer test-bot-token"}

    def lookup(headers=None, **body):
        return api.post("/api/cases/lookup", json={"number": number} | body, headers=headers or {})

    assert lookup(email="MIA@example.com").json()["number"] == number  # right email (any case)
    assert lookup(conversation_id=mine, headers=my_auth).status_code == 200  # the conversation that opened it
    assert lookup(conversation_id=mine, headers=bot).status_code == 200  # the bot, on that conversation's behalf
    wrong_email = lookup(email="someone@example.com")
    unknown = api.post("/api/cases/lookup", json={"number": "CS-99999999", "email": "mia@example.com"})
    assert wrong_email.status_code == unknown.status_code == 404
    assert wrong_email.json() == unknown.json()  # nothing tells a wrong email from an unknown number
    assert lookup(conversation_id=other, headers=other_auth).status_code == 404  # another customer's chat
    assert lookup(conversation_id=mine, headers=other_auth).status_code == 401  # someone else's token
    assert api.post("/api/cases/lookup", json={"number": "10428", "email": "a@b.co"}).status_code == 422


def test_lookups_are_rate_limited_per_address(api):
    responses = [
        api.post("/api/cases/lookup", json={"number": f"CS-{20000 + i}", "email": "x@example.com"}) for i in range(9)
    ]
    assert [r.status_code for r in responses[:8]] == [404] * 8
    assert responses[8].status_code == 429 and "case lookups" in responses[8].json()["detail"]


def test_the_customer_view_never_shows_internal_notes(api):
    conversation, auth = _conversation(api)
    number = _open_case(api, conversation, auth)["number"]
    api.post(f"/api/cases/{number}/notes", json={"text": "Refund approved by Kim", "public": False}, headers=api.agent)
    api.post(f"/api/cases/{number}/notes", json={"text": "A new hub is on its way.", "public": True}, headers=api.agent)
    view = api.post("/api/cases/lookup", json={"number": number, "email": "mia@example.com"}).json()
    assert [u["text"] for u in view["public_updates"]] == ["A new hub is on its way."]
    assert "Kim" not in str(view) and view["assignee_name"] is None


def test_a_public_update_reaches_the_customers_chat_and_inbox(api):
    conversation, auth = _conversation(api)
    number = _open_case(api, conversation, auth, customer_name="Mia")["number"]
    api.post(f"/api/cases/{number}/notes", json={"text": "Replacement shipped.", "public": True}, headers=api.agent)
    chat = api.get(f"/api/conversations/{conversation}/messages?after=0", headers=auth).json()["messages"]
    assert any(m["sender"] == "system" and "Replacement shipped." in m["text"] for m in chat)
    for _ in range(100):  # emails go out in a background thread after the change
        subjects = [p.read_text() for p in api.outbox.glob("*.eml")] if api.outbox.exists() else []
        if sum(number in s for s in subjects) >= 2:
            break
        time.sleep(0.05)
    assert any(f"[{number}] We have your request" in s for s in subjects)
    assert any(f"[{number}] Update on your case" in s for s in subjects)
    for _ in range(100):  # the file is in the outbox a moment before the email is marked sent
        emails = {(m["kind"], m["status"]) for m in api.get(f"/api/cases/{number}", headers=api.agent).json()["emails"]}
        if emails == {("created", "sent"), ("public_update", "sent")}:
            break
        time.sleep(0.05)
    assert emails == {("created", "sent"), ("public_update", "sent")}


def _delivered(api, number: str, count: int) -> list[dict]:
    """The case's emails in the outbox once `count` of them went out (a background thread sends them)."""
    from mail import list_outbox, read_outbox

    for _ in range(100):
        found = [read_outbox(api.outbox, m["name"]) for m in list_outbox(api.outbox) if number in m["subject"]]
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{len(found)} of {count} emails about {number} went out")


def test_a_finnish_customer_reads_the_case_notices_in_the_chat_and_the_emails_in_finnish(api):
    conversation, auth = _conversation(api)
    api.put(f"/api/conversations/{conversation}/language", json={"language": "fi"}, headers=auth)
    number = _open_case(api, conversation, auth, customer_name="Aino", subject="Tilaus ei ole saapunut")["number"]
    api.post(f"/api/cases/{number}/notes", json={"text": "Replacement shipped.", "public": True}, headers=api.agent)
    version = api.get(f"/api/cases/{number}", headers=api.agent).json()["version"]
    resolve = {"version": version, "status": "resolved", "resolution": "Delivered on Monday."}
    assert api.patch(f"/api/cases/{number}", json=resolve, headers=api.agent).status_code == 200
    chat = api.get(f"/api/conversations/{conversation}/messages?after=0", headers=auth).json()["messages"]
    notices = [m["text"] for m in chat if m["sender"] == "system"]
    assert f"Päivitys tukipyyntöösi {number}: Replacement shipped." in notices
    assert f"Tukipyyntösi {number} on ratkaistu: Delivered on Monday." in notices
    emails = {m["subject"]: m["body"] for m in _delivered(api, number, 3)}
    assert set(emails) == {
        f"[{number}] Olemme saaneet pyyntösi: Tilaus ei ole saapunut",
        f"[{number}] Päivitys tukipyyntöösi: Tilaus ei ole saapunut",
        f"[{number}] Ratkaistu: Tilaus ei ole saapunut",
    }
    assert all(body.startswith("Hei Aino,") and "Tukipyyntösi numero on" in body for body in emails.values())


def test_agents_work_a_case_through_its_lifecycle_with_a_full_timeline(api):
    conversation, auth = _conversation(api)
    number = _open_case(api, conversation, auth)["number"]
    case = api.get(f"/api/cases/{number}", headers=api.agent).json()
    me = api.get("/api/cases", params={"status": "new"}, headers=api.agent).json()
    assert number in [c["number"] for c in me["items"]]
    refused = api.patch(
        f"/api/cases/{number}", json={"version": case["version"], "status": "closed"}, headers=api.agent
    )
    assert refused.status_code == 409 and "cannot become closed" in refused.json()["detail"]
    no_note = api.patch(
        f"/api/cases/{number}", json={"version": case["version"], "status": "resolved"}, headers=api.agent
    )
    assert no_note.status_code == 409 and "resolution note" in no_note.json()["detail"]
    steps = [
        {"status": "open", "priority": "high", "tags": ["Hub", "e-101"]},
        {"status": "pending_customer"},
        {"status": "resolved", "resolution": "Power-cycled the hub."},
        {"status": "closed"},
    ]
    for step in steps:
        response = api.patch(f"/api/cases/{number}", json={"version": case["version"]} | step, headers=api.agent)
        assert response.status_code == 200, response.text
        case = response.json()
    assert case["status"] == "closed" and case["tags"] == ["hub", "e-101"]
    kinds = [e["kind"] for e in case["timeline"]]
    assert kinds[0] == "created" and kinds.count("status_changed") == 4 and "priority_changed" in kinds
    assert {e["actor_name"] for e in case["timeline"][1:]} == {"Ana Agent"}
    listed = api.get("/api/cases", params={"tag": "hub", "priority": "high", "status": "closed"}, headers=api.agent)
    assert number in [c["number"] for c in listed.json()["items"]]


def test_two_agents_saving_from_the_same_version_the_second_gets_409(api):
    conversation, auth = _conversation(api)
    number = _open_case(api, conversation, auth)["number"]
    version = api.get(f"/api/cases/{number}", headers=api.agent).json()["version"]
    first = api.patch(f"/api/cases/{number}", json={"version": version, "priority": "urgent"}, headers=api.agent)
    second = api.patch(f"/api/cases/{number}", json={"version": version, "priority": "low"}, headers=api.agent)
    assert first.status_code == 200 and second.status_code == 409 and "reload" in second.json()["detail"]
    assert api.get(f"/api/cases/{number}", headers=api.agent).json()["priority"] == "urgent"


def test_bad_input_gets_a_clear_answer(api):
    conversation, auth = _conversation(api)
    bad_email = api.post(
        "/api/cases", json={"conversation_id": conversation, "customer_email": "nope", "subject": "x"}, headers=auth
    )
    assert bad_email.status_code == 422 and "customer_email" in str(bad_email.json()["detail"])
    number = _open_case(api, conversation, auth)["number"]
    huge = api.post(f"/api/cases/{number}/notes", json={"text": "x" * 20_001}, headers=api.agent)
    assert huge.status_code == 413 and "text" in huge.json()["detail"]
    version = api.get(f"/api/cases/{number}", headers=api.agent).json()["version"]
    bad_priority = api.patch(f"/api/cases/{number}", json={"version": version, "priority": "asap"}, headers=api.agent)
    assert bad_priority.status_code == 422 and "priority" in str(bad_priority.json()["detail"])
    assert api.get("/api/cases/CS-1", headers=api.agent).status_code == 422
    assert api.get("/api/cases/CS-99999999", headers=api.agent).status_code == 404
    assert api.post("/api/cases", json={"customer_email": "a@b.co", "subject": "x"}).status_code == 401


def test_case_routes_check_the_role(api):
    assert api.get("/api/cases").status_code == 401
    assert api.get("/api/cases", headers=api.expert).status_code == 403
    conversation, auth = _conversation(api)
    number = _open_case(api, conversation, auth)["number"]
    assert api.get(f"/api/cases/{number}", headers=auth).status_code == 401  # a customer token is not staff
    assert api.post(f"/api/cases/{number}/notes", json={"text": "hi"}, headers=api.expert).status_code == 403
