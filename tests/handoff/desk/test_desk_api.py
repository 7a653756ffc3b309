"""The desk API: a handed-off chat is accepted by exactly one agent, who then talks with the customer."""

import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from handoff.desk.presence import mark_offline, mark_online
from ops import admin

BOT = {"Authorization": "Bearer test-bot-token"}


def _staff(name: str, roles: list[str]) -> tuple[int, dict]:
    """A fresh staff account; its user id and bearer header."""
    email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}@lumora.example"
    admin.create_user(email, name, roles, "staff-password-1")
    token = admin.create_token(email, "tests")
    from core.db import get_session_factory
    from people import service as people

    with get_session_factory()() as session:
        return people.get_by_email(session=session, email=email).id, {"Authorization": f"Bearer {token}"}


@pytest.fixture
def handed_off(client):
    """A customer conversation the bot has handed off, with two agents online."""
    (ana_id, ana), (ben_id, ben) = _staff("Ana Agent", ["agent"]), _staff("Ben Agent", ["agent"])
    for user_id in (ana_id, ben_id):
        mark_online(user_id, name="agent", skills=[])
    opened = client.post("/api/conversations").json()
    conversation, customer = opened["conversation_id"], {"Authorization": f"Bearer {opened['token']}"}
    packet = {"summary": "refund for a returned plug", "kb_articles_tried": []}
    body = {"conversation_id": conversation, "reason": "not_helpful", "packet": packet}
    assert client.post("/api/bot/handoff", json=body, headers=BOT).json()["status"] == "queued"
    yield client, conversation, customer, ana, ben
    for user_id in (ana_id, ben_id):
        mark_offline(user_id)


def test_the_queue_shows_why_and_the_packet(handed_off):
    client, conversation, _, ana, _ = handed_off
    waiting = client.get("/api/desk/queue", headers=ana).json()["waiting"]
    row = next(r for r in waiting if r["conversation_id"] == conversation)
    assert row["reason"] == "not_helpful" and row["packet"]["summary"] == "refund for a returned plug"


def test_the_desk_names_the_customer_a_visitor_until_a_case_gives_their_name_and_titles_the_chat(handed_off):
    client, conversation, customer, ana, _ = handed_off
    row = next(
        r for r in client.get("/api/desk/queue", headers=ana).json()["waiting"] if r["conversation_id"] == conversation
    )
    visitor = row["customer"]
    assert re.fullmatch(r"Visitor \d{4}", visitor) and row["title"] == "refund for a returned plug"
    client.post(f"/api/desk/conversations/{conversation}/accept", headers=ana)
    client.post(f"/api/conversations/{conversation}/messages", json={"text": "It was the white one"}, headers=customer)
    lines = client.get(f"/api/desk/conversations/{conversation}/messages", headers=ana).json()
    assert lines["customer"] == visitor and lines["messages"][-1]["sender_name"] == visitor
    case = {"customer_email": "lea@example.com", "customer_name": "Lea Vos", "subject": "Refund"}
    assert client.post(f"/api/desk/conversations/{conversation}/case", json=case, headers=ana).status_code == 201
    mine = client.get("/api/desk/mine", headers=ana).json()["conversations"]
    assert [(r["customer"], r["title"]) for r in mine] == [("Lea Vos", "refund for a returned plug")]
    lines = client.get(f"/api/desk/conversations/{conversation}/messages", headers=ana).json()
    assert {m["sender_name"] for m in lines["messages"] if m["sender"] == "customer"} == {"Lea Vos"}


def test_one_agent_wins_the_second_is_told_and_the_customer_sees_who_joined(handed_off):
    client, conversation, customer, ana, ben = handed_off
    assert client.post(f"/api/desk/conversations/{conversation}/accept", headers=ana).status_code == 200
    second = client.post(f"/api/desk/conversations/{conversation}/accept", headers=ben)
    assert second.status_code == 409 and "another agent accepted it first" in second.json()["detail"]
    seen = client.get(f"/api/conversations/{conversation}/messages?after=0", headers=customer).json()
    assert seen["state"] == "agent" and seen["messages"][-1]["text"] == "Ana Agent joined the chat."


def test_agent_and_customer_talk_and_the_bot_stays_silent(handed_off):
    client, conversation, customer, ana, ben = handed_off
    client.post(f"/api/desk/conversations/{conversation}/accept", headers=ana)
    sent = client.post(f"/api/desk/conversations/{conversation}/messages", json={"text": "Hi, I'm Ana."}, headers=ana)
    assert sent.status_code == 200 and sent.json()["sender"] == "agent" and sent.json()["sender_name"] == "Ana Agent"
    reply = client.post(f"/api/conversations/{conversation}/messages", json={"text": "Thanks Ana"}, headers=customer)
    assert [m["sender"] for m in reply.json()["messages"]] == ["customer"]
    transcript = client.get(f"/api/desk/conversations/{conversation}/messages", headers=ana).json()["messages"]
    assert [m["text"] for m in transcript][-2:] == ["Hi, I'm Ana.", "Thanks Ana"]
    impostor = client.post(f"/api/desk/conversations/{conversation}/messages", json={"text": "hey"}, headers=ben)
    assert impostor.status_code == 403
    assert client.post(f"/api/desk/conversations/{conversation}/close", headers=ana).json()["state"] == "closed"


def test_every_desk_route_needs_the_agent_role(handed_off):
    client, conversation, customer, _, _ = handed_off
    _, expert = _staff("Eli Expert", ["expert"])
    routes = [
        (method.upper(), path.replace("{conversation_id}", conversation))
        for path, operations in client.app.openapi()["paths"].items()
        if path.startswith("/api/desk")
        for method in operations
    ]
    assert len(routes) >= 12
    for method, path in routes:
        assert client.request(method, path, headers=expert).status_code == 403, (method, path)
        assert client.request(method, path, headers=customer).status_code == 401, (method, path)
    page = client.get("/desk", headers=expert)
    assert page.status_code == 403 and "needs the agent role" in page.text


def test_internal_notes_stay_internal_and_the_context_shows_packet_and_history(handed_off):
    client, conversation, customer, ana, _ = handed_off
    client.post(f"/api/desk/conversations/{conversation}/accept", headers=ana)
    email = f"rita-{uuid.uuid4().hex[:6]}@example.com"
    earlier = {"customer_email": email, "subject": "Plug offline last month"}
    assert client.post("/api/cases", json=earlier, headers=ana).status_code == 201
    new_case = {"customer_email": email, "subject": "Refund for a returned plug"}
    made = client.post(f"/api/desk/conversations/{conversation}/case", json=new_case, headers=ana)
    assert made.status_code == 201
    note = {"text": "<b>VIP</b> — refund already approved"}
    assert client.post(f"/api/desk/conversations/{conversation}/notes", json=note, headers=ana).status_code == 201
    notes = client.get(f"/api/desk/conversations/{conversation}/notes", headers=ana).json()["notes"]
    assert notes[-1]["text"] == note["text"] and notes[-1]["author"] == "Ana Agent"
    seen = client.get(f"/api/conversations/{conversation}/messages", headers=customer).json()["messages"]
    assert all("VIP" not in m["text"] for m in seen)
    context = client.get(f"/api/desk/conversations/{conversation}/context", headers=ana).json()
    assert context["handoff"]["reason"] == "not_helpful"
    assert context["handoff"]["packet"]["summary"] == "refund for a returned plug"
    assert [c["number"] for c in context["cases"]] == [made.json()["number"]]
    assert [c["subject"] for c in context["earlier_cases"]] == ["Plug offline last month"]


def test_linking_a_case_checks_the_number_and_the_holder(handed_off):
    client, conversation, _, ana, ben = handed_off
    client.post(f"/api/desk/conversations/{conversation}/accept", headers=ana)
    case = client.post("/api/cases", json={"customer_email": "x@example.com", "subject": "s"}, headers=ana).json()
    link = f"/api/desk/conversations/{conversation}/case/link"
    assert client.post(link, json={"number": "CS-99999"}, headers=ana).status_code == 404
    assert client.post(link, json={"number": "nope"}, headers=ana).status_code == 422
    assert client.post(link, json={"number": case["number"]}, headers=ben).status_code == 403
    assert client.post(link, json={"number": case["number"]}, headers=ana).status_code == 200
    context = client.get(f"/api/desk/conversations/{conversation}/context", headers=ana).json()
    assert context["customer_email"] == "x@example.com"


def test_the_customers_lines_to_the_agent_reach_the_linked_case(handed_off):
    client, conversation, customer, ana, _ = handed_off
    client.post(f"/api/desk/conversations/{conversation}/accept", headers=ana)
    case = {"customer_email": f"lia-{uuid.uuid4().hex[:6]}@example.com", "subject": "Hub keeps rebooting"}
    number = client.post(f"/api/desk/conversations/{conversation}/case", json=case, headers=ana).json()["number"]
    said = client.post(
        f"/api/conversations/{conversation}/messages", json={"text": "It rebooted again"}, headers=customer
    )
    assert said.status_code == 200 and said.json()["state"] == "agent"
    timeline = client.get(f"/api/cases/{number}", headers=ana).json()["timeline"]
    assert [e["text"] for e in timeline if e["kind"] == "customer_message"] == ["It rebooted again"]


def test_the_rate_limit_holds_with_a_person_and_a_wrong_token_uses_none_of_it(handed_off, monkeypatch):
    client, conversation, customer, ana, _ = handed_off
    client.post(f"/api/desk/conversations/{conversation}/accept", headers=ana)
    monkeypatch.setenv("MESSAGES_PER_MINUTE", "3")
    from core.settings import get_settings

    get_settings.cache_clear()
    url = f"/api/conversations/{conversation}/messages"
    wrong = {"Authorization": "Bearer not-the-token"}
    assert [client.post(url, json={"text": "x"}, headers=wrong).status_code for _ in range(4)] == [401] * 4
    codes = [client.post(url, json={"text": f"line {i}"}, headers=customer).status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]
    transcript = client.get(f"/api/desk/conversations/{conversation}/messages", headers=ana).json()["messages"]
    assert [m["text"] for m in transcript if m["sender"] == "customer"] == ["line 0", "line 1", "line 2"]


def test_the_queue_card_says_the_open_problem_and_what_the_bot_tried_without_personal_data(client):
    ana_id, ana = _staff("Ana Agent", ["agent"])
    mark_online(ana_id, name="agent", skills=[])
    try:
        conversation = client.post("/api/conversations").json()["conversation_id"]
        packet = {
            "problem": ["my cam shows E402 every night, mail me at rita@example.com"],
            "recent_messages": [{"text": "I'm Rita Jansen, call +31 6 1234 5678", "intents": []}],
            "kb_articles_tried": [{"article_id": "cam-stream", "title": "Camera stream errors", "tags": []}],
        }
        body = {"conversation_id": conversation, "reason": "not_helpful", "packet": packet}
        assert client.post("/api/bot/handoff", json=body, headers=BOT).json()["status"] == "queued"
        waiting = client.get("/api/desk/queue", headers=ana).json()["waiting"]
        shown = next(r for r in waiting if r["conversation_id"] == conversation)["packet"]
    finally:
        mark_offline(ana_id)
    asked = "Asked: “my cam shows E402 every night, mail me at [email]”"
    assert shown["summary"] == f"{asked} — Tried: Camera stream errors"
    assert shown["recent_messages"][0]["text"] == "I'm [name], call [phone]"


def test_the_agent_holding_the_chat_marks_the_customers_words_that_state_the_problem(handed_off):
    client, conversation, customer, ana, ben = handed_off
    client.post(f"/api/desk/conversations/{conversation}/accept", headers=ana)
    said = {"text": "the plug clicks off every night at 2am"}
    seq = client.post(f"/api/conversations/{conversation}/messages", json=said, headers=customer).json()["messages"][0]
    url = f"/api/desk/conversations/{conversation}/problem"
    assert client.put(f"{url}/{seq['seq']}", headers=ana).json() == {"seqs": [seq["seq"]]}
    assert client.get(url, headers=ana).json() == {"seqs": [seq["seq"]]}
    assert client.put(f"{url}/{seq['seq']}", headers=ben).status_code == 403  # not the one holding the chat
    joined = seq["seq"] - 1  # "Ana Agent joined the chat." is the system's
    refused = client.put(f"{url}/{joined}", headers=ana)
    assert refused.status_code == 422 and "only the customer's words" in refused.json()["detail"][0]["msg"]
    assert client.put(f"{url}/9999", headers=ana).status_code == 404
    assert client.delete(f"{url}/{seq['seq']}", headers=ana).json() == {"seqs": []}


def test_a_burst_of_100_messages_gets_exactly_the_limit_through(handed_off, monkeypatch):
    client, conversation, customer, ana, _ = handed_off
    client.post(f"/api/desk/conversations/{conversation}/accept", headers=ana)
    monkeypatch.setenv("MESSAGES_PER_MINUTE", "30")
    from core.settings import get_settings

    get_settings.cache_clear()
    url = f"/api/conversations/{conversation}/messages"
    with ThreadPoolExecutor(max_workers=100) as pool:
        answers = list(pool.map(lambda i: client.post(url, json={"text": f"burst {i}"}, headers=customer), range(100)))
    accepted = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code == 429]
    assert (len(accepted), len(refused)) == (30, 70)
    assert all(0 < int(a.headers["Retry-After"]) <= 60 for a in refused)
    assert all("messages in this conversation" in a.json()["detail"] for a in refused)
    transcript = client.get(f"/api/desk/conversations/{conversation}/messages", headers=ana).json()["messages"]
    assert len([m for m in transcript if m["sender"] == "customer"]) == 30


def test_a_chat_only_the_bot_had_is_for_admins_and_a_handed_off_one_for_every_agent(client):
    (ana_id, ana), (_, admin) = _staff("Ana Agent", ["agent"]), _staff("Ada Admin", ["admin"])
    conversation = client.post("/api/conversations").json()["conversation_id"]
    url = f"/api/desk/conversations/{conversation}/messages"
    refused = client.get(url, headers=ana)
    assert refused.status_code == 403 and "never came to a person" in refused.json()["detail"]
    assert client.get(url, headers=admin).status_code == 200
    body = {"conversation_id": conversation, "reason": "customer_request", "packet": {}}
    mark_online(ana_id, name="agent", skills=[])
    try:
        assert client.post("/api/bot/handoff", json=body, headers=BOT).json()["status"] == "queued"
    finally:
        mark_offline(ana_id)
    assert client.get(url, headers=ana).status_code == 200  # queued for a person: any agent may read it
