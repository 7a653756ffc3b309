"""The activity record: each thing that happens to a chat, a case or a swarm is a row, written with the change."""

import hashlib

from cases.models import case_id
from handoff.service import token_hash
from tests.handoff.activity_support import BOT, hand_off, open_chat, rows, say, staff


def test_a_chat_through_the_bot_and_the_desk_leaves_its_rows_in_order(chat_app, agents_online):
    client = chat_app
    conversation_id, auth, visitor = open_chat(client)
    say(client, conversation_id, auth, "my hub says E-204")
    say(client, conversation_id, auth, "write to rita.jones@example.com about the weather on mars")
    ana, ben = agents_online("Ana Agent"), agents_online("Ben Agent")
    assert (
        hand_off(client, conversation_id, "why is the weather on mars, mail rita.jones@example.com")["status"]
        == "queued"
    )
    desk = f"/api/desk/conversations/{conversation_id}"
    offered = rows(conversation_id=conversation_id, kind="offer")[0].actor_id
    first, second = (ana, ben) if offered == ana.id else (ben, ana)
    assert client.post(f"{desk}/accept", headers=first.auth).status_code == 200
    assert client.post(f"{desk}/transfer", json={"agent_id": second.id}, headers=first.auth).status_code == 200
    assert client.post(f"{desk}/accept", headers=second.auth).status_code == 200
    assert client.post(f"/api/conversations/{conversation_id}/hand-back", headers=second.auth).status_code == 200
    assert client.post(f"/api/conversations/{conversation_id}/end", headers=auth).status_code == 200

    written = rows(conversation_id=conversation_id)
    assert [row.kind for row in written] == [
        "answer", "not_found", "handoff", "offer", "accept", "transfer", "offer", "accept", "hand_back", "close",
    ]  # fmt: skip
    answer, not_found, handoff, offer, accept, transfer, offer_2, accept_2, hand_back, close = written
    assert answer.article_id == "hub-e204"
    assert "rita.jones@example.com" not in not_found.detail["question"] and "mars" in not_found.detail["question"]
    assert handoff.reason == "kb_unanswerable" and "rita.jones" not in handoff.detail["question"]
    assert (offer.actor_id, accept.actor_id) == (first.id, first.id) and 0 <= accept.value < 60
    assert transfer.actor_id == second.id and transfer.detail["from"] == first.id
    assert (offer_2.actor_id, accept_2.actor_id, hand_back.actor_id) == (second.id, second.id, second.id)
    assert close.actor_id is None  # the customer closed it
    assert {(row.channel, row.visitor) for row in written} == {("chat", token_hash(visitor))}


def test_leaving_the_queue_is_abandoned_and_an_agent_closing_is_named(chat_app, agents_online):
    client = chat_app
    left, left_auth, _ = open_chat(client)
    ana = agents_online("Ana Agent")
    hand_off(client, left, "my refund never came")
    assert client.post(f"/api/desk/conversations/{left}/decline", headers=ana.auth).status_code == 200
    client.post(f"/api/conversations/{left}/end", headers=left_auth)
    kinds = [(row.kind, row.actor_id) for row in rows(conversation_id=left)]
    assert kinds == [
        ("handoff", None),
        ("offer", ana.id),
        ("offer_declined", ana.id),
        ("abandoned", None),
        ("close", None),
    ]
    abandoned = rows(conversation_id=left, kind="abandoned")[0]
    assert abandoned.reason == "kb_unanswerable" and 0 <= abandoned.value < 60

    closed, _, _ = open_chat(client)
    hand_off(client, closed, "my refund never came")
    client.post(f"/api/desk/conversations/{closed}/accept", headers=ana.auth)
    client.post(f"/api/desk/conversations/{closed}/close", headers=ana.auth)
    assert [(row.kind, row.actor_id) for row in rows(conversation_id=closed)][-1] == ("close", ana.id)
    assert rows(conversation_id=closed, kind="abandoned") == []


def test_a_yes_or_no_in_a_chat_is_a_row_of_that_chat(chat_app):
    client = chat_app
    conversation_id, auth, _ = open_chat(client)
    say(client, conversation_id, auth, "my hub says E-204")
    url = "/api/kb/articles/hub-e204/feedback"
    assert (
        client.post(url, json={"event": "not_helpful", "conversation_id": conversation_id}, headers=BOT).status_code
        == 204
    )
    assert (
        client.post(url, json={"event": "helpful", "conversation_id": conversation_id}, headers=BOT).status_code == 204
    )
    assert client.post(url, json={"event": "served"}, headers=BOT).status_code == 204  # a count, not a customer's word
    unknown = client.post(url, json={"event": "helpful", "conversation_id": "no-such-chat"}, headers=BOT)
    assert unknown.status_code == 404 and "conversation_id" in unknown.json()["detail"]
    feedback = [(row.kind, row.article_id) for row in rows(conversation_id=conversation_id)][1:]
    assert feedback == [("not_helpful", "hub-e204"), ("helpful", "hub-e204")]


def test_an_article_served_without_a_search_is_an_answer_written_with_the_turn(chat_app):
    client = chat_app
    conversation_id, auth, _ = open_chat(client)
    say(client, conversation_id, auth, "my hub says E-204")
    answers = [row.article_id for row in rows(conversation_id=conversation_id, kind="answer")]
    url = "/api/kb/articles/hub-e204/feedback"
    served = {"event": "served", "conversation_id": conversation_id}  # a "Did you mean…" pick, as the bot reports it
    assert client.post(url, json=served, headers=BOT).status_code == 204
    assert [row.article_id for row in rows(conversation_id=conversation_id, kind="answer")] == answers  # not yet
    say(client, conversation_id, auth, "the first one")  # the turn the bot showed it in
    assert [row.article_id for row in rows(conversation_id=conversation_id, kind="answer")] == answers + ["hub-e204"]
    unknown = client.post(url, json={"event": "served", "conversation_id": "no-such-chat"}, headers=BOT)
    assert unknown.status_code == 404 and "conversation_id" in unknown.json()["detail"]


def test_a_case_opened_resolved_and_reopened_by_email_leaves_its_rows(chat_app):
    client = chat_app
    agent = staff("Ana Agent", ["agent"])
    made = client.post(
        "/api/cases", json={"customer_email": "Rita@Example.com", "subject": "Charged twice", "channel": "email"},
        headers=agent.auth,
    ).json()  # fmt: skip
    number = made["number"]
    case = client.get(f"/api/cases/{number}", headers=agent.auth).json()
    change = {"version": case["version"], "status": "resolved", "resolution": "Refunded the second charge."}
    assert client.patch(f"/api/cases/{number}", json=change, headers=agent.auth).status_code == 200
    case = client.get(f"/api/cases/{number}", headers=agent.auth).json()
    assert (
        client.patch(
            f"/api/cases/{number}", json={"version": case["version"], "status": "open"}, headers=agent.auth
        ).status_code
        == 200
    )
    written = rows(case_id=case_id(number))
    assert [(row.kind, row.actor_id) for row in written] == [
        ("case_opened", agent.id), ("case_resolved", agent.id), ("case_reopened", agent.id),
    ]  # fmt: skip
    email_visitor = hashlib.sha256(b"rita@example.com").hexdigest()
    assert {(row.channel, row.visitor, row.conversation_id) for row in written} == {("email", email_visitor, None)}


def test_a_swarm_leaves_started_joined_answer_accepted_and_closed(chat_app, agents_online):
    client = chat_app
    conversation_id, _, _ = open_chat(client)
    ana, expert = agents_online("Ana Agent"), staff("Eve Expert", ["expert"])
    hand_off(client, conversation_id, "charged twice")
    client.post(f"/api/desk/conversations/{conversation_id}/accept", headers=ana.auth)
    case = {"customer_email": "rita@example.com", "subject": "Charged twice", "tags": ["billing"]}
    number = client.post(f"/api/desk/conversations/{conversation_id}/case", json=case, headers=ana.auth).json()[
        "number"
    ]
    start = {"case_number": number, "conversation_id": conversation_id}
    swarm = client.post("/api/swarms", json=start, headers=ana.auth).json()["id"]
    client.post(f"/api/swarms/{swarm}/invitations", json={"person_ids": [expert.id]}, headers=ana.auth)
    invitation = client.get("/api/swarms/mine", headers=expert.auth).json()["invitations"][0]["id"]
    client.post(f"/api/swarms/invitations/{invitation}/accept", headers=expert.auth)
    said = client.post(f"/api/swarms/{swarm}/messages", json={"text": "Refund it"}, headers=expert.auth).json()["id"]
    send = f"/api/swarms/{swarm}/messages/{said}/send"
    assert client.post(send, json={"text": "We refunded it."}, headers=ana.auth).status_code == 200
    client.post(send, json={"text": "Sent twice."}, headers=ana.auth)  # the answer was accepted once
    closing = {"outcome": "Refunded the second charge", "resolve_case": True}
    assert client.post(f"/api/swarms/{swarm}/close", json=closing, headers=ana.auth).status_code == 200

    swarm_rows = [row for row in rows(case_id=case_id(number)) if row.kind.startswith("swarm_")]
    assert [(row.kind, row.actor_id) for row in swarm_rows] == [
        ("swarm_started", ana.id), ("swarm_joined", expert.id),
        ("swarm_answer_accepted", expert.id), ("swarm_closed", None),
    ]  # fmt: skip
    assert {row.detail["swarm_id"] for row in swarm_rows} == {swarm}
    assert {row.conversation_id for row in swarm_rows} == {conversation_id}
    assert [row.kind for row in rows(case_id=case_id(number))][-1] == "case_resolved"


def test_a_did_you_mean_is_a_clarify_row_with_the_articles_offered(chat_app):
    client = chat_app
    conversation_id, auth, _ = open_chat(client)
    asked = "I need to change the address"
    public = client.post("/api/kb/search", json={"query": asked, "top_k": 3}).json()  # a customer's: never a row
    assert public["decision"] == "clarify"
    say(client, conversation_id, auth, asked)
    (clarify,) = rows(conversation_id=conversation_id)
    assert clarify.kind == "clarify"
    assert clarify.detail == {"offered": [hit["article_id"] for hit in public["offered"]]}
    assert set(clarify.detail["offered"]) >= {"delivery-address", "billing-address"}
