"""What a swarm's outside guest sees of the customer's chat: the case summary, and only the messages the owner shares
(or, revealed, the whole chat), always scrubbed; each share, reveal and hide on the case timeline."""

import json
import time

import pytest

from core.realtime import room_channel
from core.redis_client import get_redis
from handoff.desk.presence import mark_online
from tests.conftest import staff_auth
from tests.handoff.test_swarms_api import person

BOT = {"Authorization": "Bearer test-bot-token"}
SHARED = "The parcel never came, write to rita.jansen@example.com please"
UNSHARED = "The tracking page says it was delivered to my neighbour yesterday"


@pytest.fixture
def room(client):
    """Ana's swarm on Rita's case (Eli, an expert, in the room) and a guest inside it by the guest cookie; the
    client carries that cookie, staff calls send their bearer header (which counts first)."""
    ana_id, ana = person("Ana Agent", ["agent"])
    mark_online(ana_id, name="Ana Agent", skills=[])
    opened = client.post("/api/conversations").json()
    conversation, customer = opened["conversation_id"], {"Authorization": f"Bearer {opened['token']}"}
    packet = {"summary": "Lost parcel", "problem": [SHARED], "recent_messages": [{"text": SHARED}]}
    handoff = {"conversation_id": conversation, "reason": "customer_request", "packet": packet}
    assert client.post("/api/bot/handoff", json=handoff, headers=BOT).json()["status"] == "queued"
    assert client.post(f"/api/desk/conversations/{conversation}/accept", headers=ana).status_code == 200
    for text in (SHARED, UNSHARED):
        said = client.post(f"/api/conversations/{conversation}/messages", json={"text": text}, headers=customer)
        assert said.status_code == 200
    case = {
        "customer_email": "rita@example.com",
        "customer_name": "Rita Jansen",
        "subject": "Parcel for Rita Jansen lost",
    }
    number = client.post(f"/api/desk/conversations/{conversation}/case", json=case, headers=ana).json()["number"]
    swarm = client.post("/api/swarms", json={"case_number": number, "conversation_id": conversation}, headers=ana)
    swarm_id = swarm.json()["id"]
    eli_id, eli = person("Eli Expert", ["expert"])
    client.post(f"/api/swarms/{swarm_id}/invitations", json={"person_ids": [eli_id]}, headers=ana)
    invitation = client.get("/api/swarms/mine", headers=eli).json()["invitations"][0]["id"]
    assert client.post(f"/api/swarms/invitations/{invitation}/accept", headers=eli).status_code == 200
    link = client.post(f"/api/swarms/{swarm_id}/guests", json={"name": "Parcel Partner"}, headers=ana).json()["url"]
    assert client.get(f"/swarm-guest/{link.rsplit('/', 1)[1]}", follow_redirects=False).status_code == 303
    staff_view = client.get(f"/api/swarms/{swarm_id}", headers=ana).json()
    ids = {m["text"]: m["id"] for m in staff_view["transcript"]}
    return {
        "client": client,
        "url": f"/api/swarms/{swarm_id}",
        "swarm": swarm_id,
        "case": number,
        "ana": ana,
        "eli": eli,
        "ids": ids,
    }


def guest_sees(room) -> dict:
    """The room as the guest (the client's guest cookie, no header) gets it."""
    answer = room["client"].get(room["url"])
    assert answer.status_code == 200 and answer.json()["me"]["role"] == "guest"
    return answer.json()


def share(room, message_id: int, headers: dict | None = None):
    """Ask to share one chat message with the guests (as Ana unless `headers` say otherwise)."""
    body = {"message_id": message_id}
    return room["client"].post(
        f"{room['url']}/guest-view/shared", json=body, headers=room["ana"] if headers is None else headers
    )


def reveal(room, reveal_all: bool):
    """Ana reveals the whole chat to the guests, or hides it again."""
    body = {"reveal_all": reveal_all}
    return room["client"].put(f"{room['url']}/guest-view", json=body, headers=room["ana"])


def timeline(room) -> list[dict]:
    """The case's timeline entries about what guests see."""
    case = room["client"].get(f"/api/cases/{room['case']}", headers=room["ana"]).json()
    return [e for e in case["timeline"] if e["kind"].startswith(("swarm_message_", "swarm_chat_"))]


def test_a_guest_sees_the_case_summary_and_no_chat_until_the_owner_shares_a_message(room):
    seen, staff = guest_sees(room), room["client"].get(room["url"], headers=room["eli"]).json()
    assert seen["transcript"] == []
    summary = {key: staff["case"][key] for key in ("number", "priority", "status")} | {
        "subject": "Parcel for [name] lost"
    }
    assert seen["case"] == summary and staff["case"]["subject"] == "Parcel for Rita Jansen lost"
    assert seen["packet"]["reason"] == "customer_request" and set(seen["packet"]) == {"reason", "summary"}
    assert "rita.jansen@example.com" not in json.dumps(seen)

    assert share(room, room["ids"][SHARED]).json() == {"reveal_all": False, "shared": [room["ids"][SHARED]]}
    seen = guest_sees(room)
    assert [m["id"] for m in seen["transcript"]] == [room["ids"][SHARED]]
    assert seen["transcript"][0]["text"] == "The parcel never came, write to [email] please"
    assert UNSHARED not in json.dumps(seen)

    experts = room["client"].get(room["url"], headers=room["eli"]).json()  # staff still see the whole chat, as said
    assert {SHARED, UNSHARED} <= {m["text"] for m in experts["transcript"]}


def test_reveal_all_shows_every_line_scrubbed_and_hide_and_unshare_take_it_back(room):
    staff_lines = len(room["client"].get(room["url"], headers=room["ana"]).json()["transcript"])
    assert reveal(room, True).json()["reveal_all"] is True
    seen = guest_sees(room)
    assert len(seen["transcript"]) == staff_lines
    assert "The parcel never came, write to [email] please" in [m["text"] for m in seen["transcript"]]
    assert UNSHARED in [m["text"] for m in seen["transcript"]] and "rita.jansen" not in json.dumps(seen)

    share(room, room["ids"][SHARED])
    assert reveal(room, False).json() == {"reveal_all": False, "shared": [room["ids"][SHARED]]}
    assert [m["id"] for m in guest_sees(room)["transcript"]] == [room["ids"][SHARED]]
    unshared = room["client"].delete(f"{room['url']}/guest-view/shared/{room['ids'][SHARED]}", headers=room["ana"])
    assert unshared.json() == {"reveal_all": False, "shared": []}
    assert guest_sees(room)["transcript"] == []


def test_every_share_reveal_and_hide_is_on_the_case_timeline_once(room):
    message_id = room["ids"][SHARED]
    share(room, message_id)
    share(room, message_id)  # already shared: nothing changes, nothing is recorded
    reveal(room, True)
    reveal(room, False)
    room["client"].delete(f"{room['url']}/guest-view/shared/{message_id}", headers=room["ana"])
    entries = timeline(room)
    kinds = [e["kind"] for e in entries]
    assert kinds == ["swarm_message_shared", "swarm_chat_revealed", "swarm_chat_hidden", "swarm_message_unshared"]
    assert {e["actor_name"] for e in entries} == {"Ana Agent"} and all(e["created_at"] for e in entries)
    shared = entries[0]["data"]
    assert (shared["swarm_id"], shared["message_id"], shared["sender"]) == (room["swarm"], message_id, "customer")


def test_only_the_owner_or_an_admin_may_change_what_guests_see(room):
    message_id, client = room["ids"][SHARED], room["client"]
    other_agent = staff_auth("Ben Agent", ["agent"])
    for headers in (room["eli"], other_agent, {}):  # an expert in the room, an agent outside it, the guest
        assert share(room, message_id, headers).status_code == 403
        assert client.put(f"{room['url']}/guest-view", json={"reveal_all": True}, headers=headers).status_code == 403
    assert guest_sees(room)["transcript"] == [] and timeline(room) == []
    admin = staff_auth("Ada Admin", ["admin"])
    assert share(room, message_id, admin).status_code == 200
    assert [e["actor_name"] for e in timeline(room)] == ["Ada Admin"]


def test_a_message_of_another_chat_is_refused_naming_the_field(room):
    client = room["client"]
    opened = client.post("/api/conversations").json()
    other, url = {"Authorization": f"Bearer {opened['token']}"}, f"/api/conversations/{opened['conversation_id']}"
    client.post(f"{url}/messages", json={"text": "not yours"}, headers=other)
    foreign = client.get(f"{url}/messages", headers=other).json()["messages"][0]["id"]
    refused = share(room, foreign)
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "message_id"]
    assert share(room, 2**31 - 1).status_code == 422
    gone = client.delete(f"{room['url']}/guest-view/shared/{foreign}", headers=room["ana"])
    assert gone.status_code == 404 and "message_id" in gone.json()["detail"]
    assert guest_sees(room)["transcript"] == [] and timeline(room) == []


def test_the_rooms_live_frames_never_carry_chat_text(room):
    pubsub = get_redis().pubsub()
    pubsub.subscribe(room_channel(room["swarm"]))
    share(room, room["ids"][SHARED])
    reveal(room, True)
    frames, deadline = [], time.monotonic() + 2
    while time.monotonic() < deadline and len(frames) < 2:
        got = pubsub.get_message(ignore_subscribe_messages=True, timeout=0.2)
        if got:
            frames.append(json.loads(got["data"]))
    pubsub.close()
    assert frames == [{"type": "room", "kind": "guest_view"}] * 2  # the page reloads the room: the API filters it


def test_a_closed_room_shares_no_more_but_can_still_take_back(room):
    share(room, room["ids"][SHARED])
    room["client"].post(f"{room['url']}/close", json={"outcome": "Found"}, headers=room["ana"])
    assert share(room, room["ids"][UNSHARED]).status_code == 409 and reveal(room, True).status_code == 409
    taken = room["client"].delete(f"{room['url']}/guest-view/shared/{room['ids'][SHARED]}", headers=room["ana"])
    assert taken.json()["shared"] == [] and guest_sees(room)["transcript"] == []
