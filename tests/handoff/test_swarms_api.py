"""Swarms through the API: start, invite (and expiry), who may enter, answers to the customer, guests, close."""

import json
import re
import uuid
from datetime import timedelta

import pytest

from core.db import get_session_factory
from core.settings import get_settings
from handoff.models import utcnow
from handoff.swarm.flows import expire_invitations
from handoff.swarm.models import GuestLink
from notify.delivery import deliver_due_notifications
from ops import admin
from people import service as people
from tests.conftest import app_client, metric
from tests.notify.support import SECRET, Receiver

BOT = {"Authorization": "Bearer test-bot-token"}


def person(name: str, roles: list[str], skills: str = "") -> tuple[int, dict]:
    """A new staff account with skills; its id and bearer header."""
    email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}@lumora.example"
    admin.create_user(email, name, roles, "staff-password-1")
    token = admin.create_token(email, "tests")
    with get_session_factory()() as session:
        user = people.get_by_email(session=session, email=email)
        user.skills = skills
        session.commit()
        return user.id, {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(app_env, monkeypatch, redis_prefix):
    """A handed-off chat that Ana (agent) holds, its billing case, and the people around it."""
    receiver = Receiver(secret=SECRET).__enter__()
    with app_client(
        monkeypatch,
        redis_prefix=f"{redis_prefix}s{uuid.uuid4().hex[:6]}",
        router_interval_seconds=3600,
        scheduler_interval_seconds=3600,
        notify_interval_seconds=3600,  # the test sends the due notifications itself
        swarm_webhook_url=receiver.url,
        swarm_webhook_secret=SECRET,
        public_url="https://desk.lumora.example",
    ) as client:
        from handoff.desk.presence import mark_online

        ana_id, ana = person("Ana Agent", ["agent"])
        mark_online(ana_id, name="Ana Agent", skills=[])
        opened = client.post("/api/conversations").json()
        conversation, customer = opened["conversation_id"], {"Authorization": f"Bearer {opened['token']}"}
        body = {"conversation_id": conversation, "reason": "kb_unanswerable", "packet": {"summary": "double charge"}}
        assert client.post("/api/bot/handoff", json=body, headers=BOT).json()["status"] == "queued"
        assert client.post(f"/api/desk/conversations/{conversation}/accept", headers=ana).status_code == 200
        case = {"customer_email": "rita@example.com", "subject": "Charged twice", "tags": ["billing"]}
        number = client.post(f"/api/desk/conversations/{conversation}/case", json=case, headers=ana).json()["number"]
        world = {
            "client": client,
            "conversation": conversation,
            "customer": customer,
            "case": number,
            "ana": (ana_id, ana),
            "eli": person("Eli Expert", ["expert"], "billing"),
            "fay": person("Fay Finance", ["expert"], "billing"),
            "sec": person("Sid Security", ["expert"], "security"),
            "ben": person("Ben Agent", ["agent"]),
            "ed": person("Ed Editor", ["editor"], "billing"),
            "receiver": receiver,
        }
        yield world
    receiver.__exit__(None, None, None)


def start(world) -> int:
    """Ana starts a swarm on the case; its id."""
    body = {"case_number": world["case"], "conversation_id": world["conversation"]}
    started = world["client"].post("/api/swarms", json=body, headers=world["ana"][1])
    assert started.status_code == 201 and started.json()["skills"] == ["billing"]
    return started.json()["id"]


def invite_and_join(world, swarm: int, who: str) -> None:
    """Ana invites someone, who accepts."""
    client, (person_id, auth) = world["client"], world[who]
    client.post(f"/api/swarms/{swarm}/invitations", json={"person_ids": [person_id]}, headers=world["ana"][1])
    invitation = client.get("/api/swarms/mine", headers=auth).json()["invitations"][0]
    for answer in ("maybe", "99999999999999999999"):  # only accept or decline, named in the refusal
        refused = client.post(f"/api/swarms/invitations/{invitation['id']}/{answer}", headers=auth)
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["path", "answer"]
    assert client.post(f"/api/swarms/invitations/{invitation['id']}/accept", headers=auth).status_code == 200


def timeline(world) -> list[str]:
    """The kinds of the case's timeline events."""
    case = world["client"].get(f"/api/cases/{world['case']}", headers=world["ana"][1]).json()
    return [event["kind"] for event in case["timeline"]]


def ours(world, found: list[dict]) -> list[str]:
    """The suggested people of this test's world (the database holds other tests' people too), in order."""
    keys = {world[k][0]: k for k in ("ana", "eli", "fay", "sec", "ben", "ed")}
    return [keys[p["id"]] for p in found if p["id"] in keys]


def test_the_finder_suggests_the_billing_experts_and_never_the_owner_or_an_editor(world):
    swarm = start(world)
    found = world["client"].get(f"/api/swarms/{swarm}/suggestions", headers=world["ana"][1]).json()["people"]
    assert ours(world, found) == ["eli", "fay", "sec", "ben"]  # billing first; then others; no owner, no editor


def test_inviting_someone_without_a_swarm_role_is_422(world):
    swarm = start(world)
    answer = world["client"].post(
        f"/api/swarms/{swarm}/invitations", json={"person_ids": [world["ed"][0]]}, headers=world["ana"][1]
    )
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "person_ids"]


def test_an_accepted_invitation_joins_the_room_is_on_the_timeline_and_reaches_the_webhook_signed(world):
    swarm = start(world)
    invite_and_join(world, swarm, "eli")
    room = world["client"].get(f"/api/swarms/{swarm}", headers=world["eli"][1]).json()
    assert [m["name"] for m in room["members"]] == ["Ana Agent", "Eli Expert"]
    assert room["figures"]["experts_joined"] == 1 and room["figures"]["time_to_first_expert_seconds"] is not None
    assert (
        room["transcript"][-1]["text"] == "Ana Agent joined the chat." and room["packet"]["summary"] == "double charge"
    )
    assert {"swarm_started", "swarm_invited", "swarm_joined"} <= set(timeline(world))
    assert deliver_due_notifications(get_settings()) >= 2
    received = world["receiver"].requests
    assert {json.loads(r["body"])["event"] for r in received} >= {"swarm.invited", "swarm.joined"}
    assert all(r["verified"] for r in received)  # every request carried a valid signature


def test_an_unanswered_invitation_expires_and_the_next_expert_is_suggested(world, monkeypatch):
    monkeypatch.setenv("SWARM_INVITE_SECONDS", "0")
    get_settings.cache_clear()
    swarm = start(world)
    client, ana = world["client"], world["ana"][1]
    client.post(f"/api/swarms/{swarm}/invitations", json={"person_ids": [world["eli"][0]]}, headers=ana)
    assert expire_invitations(get_settings()) == 1
    room = client.get(f"/api/swarms/{swarm}", headers=ana).json()
    assert room["invitations"] == [{"id": room["invitations"][0]["id"], "name": "Eli Expert", "status": "expired"}]
    found = client.get(f"/api/swarms/{swarm}/suggestions", headers=ana).json()["people"]
    assert ours(world, found)[0] == "fay"  # Eli did not answer: the next billing expert is suggested
    late = client.get("/api/swarms/mine", headers=world["eli"][1]).json()["invitations"]
    assert late == [] and "swarm_invitation_expired" in timeline(world)


def test_who_may_enter_the_room(world):
    swarm = start(world)
    invite_and_join(world, swarm, "eli")
    client = world["client"]
    guest = client.post(f"/api/swarms/{swarm}/guests", json={"name": "Parcel Partner"}, headers=world["ana"][1])
    token = guest.json()["url"].rsplit("/", 1)[1]
    client.cookies.clear()
    entered = client.get(f"/swarm-guest/{token}", follow_redirects=False)
    assert entered.status_code == 303 and entered.headers["location"] == f"/swarms/{swarm}"
    assert client.get(f"/api/swarms/{swarm}").json()["me"] == {
        "name": "Parcel Partner",
        "role": "guest",
        "is_owner": False,
    }
    other = client.post("/api/swarms", json={"case_number": world["case"]}, headers=world["ben"][1]).json()["id"]
    assert client.get(f"/api/swarms/{other}").status_code == 403  # the guest's link opens one room only
    client.cookies.clear()
    expected = {"ana": 200, "eli": 200, "ben": 403, "fay": 403}
    for who, code in expected.items():
        assert client.get(f"/api/swarms/{swarm}", headers=world[who][1]).status_code == code, who
        assert client.get(f"/api/swarms/{swarm}/messages", headers=world[who][1]).status_code == code, who
    assert client.get(f"/api/swarms/{swarm}", headers=world["customer"]).status_code == 401
    assert client.get(f"/swarms/{swarm}", headers=world["ben"][1]).status_code == 403
    owner_only = [("POST", "invitations", {"person_ids": [world["fay"][0]]}), ("POST", "close", {"outcome": "x"})]
    for method, path, body in owner_only:
        assert (
            client.request(method, f"/api/swarms/{swarm}/{path}", json=body, headers=world["eli"][1]).status_code == 403
        )


def test_the_owner_sends_the_proposed_answer_and_the_customer_sees_it_as_the_owners_message(world):
    swarm = start(world)
    invite_and_join(world, swarm, "eli")
    client, eli, ana = world["client"], world["eli"][1], world["ana"][1]
    posted = client.post(
        f"/api/swarms/{swarm}/messages",
        json={"text": "@Ana Agent the second charge is a hold; it drops in 5 days"},
        headers=eli,
    ).json()
    assert posted["mentions"] == ["Ana Agent"]
    assert client.post(f"/api/swarms/{swarm}/messages/{posted['id']}/propose", headers=eli).json()["proposed"] is True
    reply = "Good news: the second charge is only a hold and disappears within 5 days."
    sent = client.post(f"/api/swarms/{swarm}/messages/{posted['id']}/send", json={"text": reply}, headers=ana)
    assert sent.json() == {"sent": True, "channel": "chat"}
    seen = client.get(f"/api/conversations/{world['conversation']}/messages", headers=world["customer"]).json()
    last = seen["messages"][-1]
    assert (last["sender"], last["sender_name"], last["text"]) == ("agent", "Ana Agent", reply)
    assert all("Eli" not in m["sender_name"] for m in seen["messages"])  # the customer never sees the expert
    assert (
        client.post(f"/api/swarms/{swarm}/messages/{posted['id']}/send", json={"text": "x"}, headers=eli).status_code
        == 403
    )
    counts = {p["name"]: p for p in client.get("/api/swarms/people", headers=ana).json()["people"]}
    assert counts["Eli Expert"]["swarms_joined"] == 1 and counts["Eli Expert"]["answers_accepted"] == 1


def test_a_guest_sees_the_revealed_chat_without_personal_data_and_staff_see_it_all(world):
    client, conversation, customer = world["client"], world["conversation"], world["customer"]
    said = "I'm Rita, mail rita@example.com: charged twice for order LM-55812"
    assert client.post(f"/api/conversations/{conversation}/messages", json={"text": said}, headers=customer).is_success
    swarm = start(world)
    invite_and_join(world, swarm, "eli")
    expert_room = client.get(f"/api/swarms/{swarm}", headers=world["eli"][1]).json()
    guest = client.post(f"/api/swarms/{swarm}/guests", json={"name": "Parcel Partner"}, headers=world["ana"][1])
    reveal = {"reveal_all": True}  # by default a guest sees none of the chat (tests/handoff/test_swarm_sharing.py)
    assert client.put(f"/api/swarms/{swarm}/guest-view", json=reveal, headers=world["ana"][1]).status_code == 200
    client.cookies.clear()
    client.get(f"/swarm-guest/{guest.json()['url'].rsplit('/', 1)[1]}", follow_redirects=False)
    guest_room = client.get(f"/api/swarms/{swarm}").json()
    client.cookies.clear()
    assert said in [m["text"] for m in expert_room["transcript"]]
    assert "I'm [name], mail [email]: charged twice for order [order number]" in [
        m["text"] for m in guest_room["transcript"]
    ]
    assert expert_room["customer"] == "rita@example.com"  # the case's customer, by email (no name was given)
    assert re.fullmatch(r"Visitor \d{4}", guest_room["customer"])  # a guest is not told who the customer is
    said_by = {
        m["sender_name"] for room in (expert_room, guest_room) for m in room["transcript"] if m["sender"] == "customer"
    }
    assert said_by == {"rita@example.com", guest_room["customer"]}


def test_dead_guest_links_are_410_and_a_closed_room_is_read_only(world):
    swarm = start(world)
    client, ana = world["client"], world["ana"][1]
    links = [client.post(f"/api/swarms/{swarm}/guests", json={"name": n}, headers=ana).json() for n in ("Old", "Cut")]
    with get_session_factory()() as session:
        session.get(GuestLink, links[0]["id"]).expires_at = utcnow() - timedelta(minutes=1)
        session.commit()
    client.delete(f"/api/swarms/{swarm}/guests/{links[1]['id']}", headers=ana)
    for link, why in zip(links, ("expired", "revoked"), strict=True):
        page = client.get(link["url"].replace("https://desk.lumora.example", ""))
        assert page.status_code == 410 and why in page.text
    open_before = metric(client.get("/metrics").text, "swarmdesk_swarms_open")
    closed = client.post(
        f"/api/swarms/{swarm}/close", json={"outcome": "Hold explained", "resolve_case": True}, headers=ana
    )
    assert closed.status_code == 200 and closed.json()["figures"]["time_to_resolution_seconds"] is not None
    assert metric(client.get("/metrics").text, "swarmdesk_swarms_open") == open_before - 1
    again = client.post(f"/api/swarms/{swarm}/messages", json={"text": "one more thing"}, headers=ana)
    assert again.status_code == 409 and "read-only" in again.json()["detail"]
    case = client.get(f"/api/cases/{world['case']}", headers=ana).json()
    assert case["status"] == "resolved" and "swarm_closed" in [e["kind"] for e in case["timeline"]]
    history = client.get(f"/api/swarms/{swarm}/messages", headers=ana).json()
    assert history["status"] == "closed" and re.search("Swarm closed: Hold explained", history["messages"][-1]["text"])


def test_a_swarm_may_name_only_a_chat_of_the_cases_customer_that_the_agent_holds(world):
    client, ana, ben = world["client"], world["ana"][1], world["ben"][1]
    named = {"case_number": world["case"], "conversation_id": world["conversation"]}
    not_held = client.post("/api/swarms", json=named, headers=ben)
    assert not_held.status_code == 403 and "not the agent on this chat" in not_held.json()["detail"]
    stranger = client.post("/api/conversations").json()["conversation_id"]
    foreign = client.post("/api/swarms", json=named | {"conversation_id": stranger}, headers=ana)
    assert foreign.status_code == 403 and "not a chat of this case's customer" in foreign.json()["detail"]
    assert client.get("/api/swarms/mine", headers=ben).json()["rooms"] == []  # nothing was started


def test_the_owner_cannot_send_into_a_chat_another_agent_now_holds(world):
    from handoff.desk.presence import mark_online

    swarm = start(world)
    invite_and_join(world, swarm, "eli")
    client, eli, ana = world["client"], world["eli"][1], world["ana"][1]
    ben_id, ben = world["ben"]
    mark_online(ben_id, name="Ben Agent", skills=[])
    url = f"/api/desk/conversations/{world['conversation']}"
    assert client.post(f"{url}/transfer", json={"agent_id": ben_id}, headers=ana).status_code == 200
    assert client.post(f"{url}/accept", headers=ben).status_code == 200
    posted = client.post(f"/api/swarms/{swarm}/messages", json={"text": "it is a hold"}, headers=eli).json()
    refused = client.post(f"/api/swarms/{swarm}/messages/{posted['id']}/send", json={"text": "A hold."}, headers=ana)
    assert refused.status_code == 409 and "not with you" in refused.json()["detail"]
    seen = client.get(f"/api/conversations/{world['conversation']}/messages", headers=world["customer"]).json()
    assert all(m["text"] != "A hold." for m in seen["messages"])
    assert "swarm_answer_sent" not in timeline(world)
