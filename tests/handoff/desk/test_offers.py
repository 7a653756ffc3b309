"""Routing: who is offered a handed-off chat, what happens when nobody answers, and the queue staying honest."""

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.redis_client import get_redis, key
from core.settings import get_settings
from handoff.desk import queue as agent_queue
from handoff.desk import queueing
from handoff.desk.offers import Candidate, pick
from handoff.desk.presence import mark_offline
from tests.conftest import app_client, staff_auth

BOT = {"Authorization": "Bearer test-bot-token"}


def c(agent_id, skills=(), capacity=3, load=0, last=0) -> Candidate:
    """A candidate for the table test."""
    return Candidate(id=agent_id, skills=frozenset(skills), capacity=capacity, load=load, last_assigned_ms=last)


@pytest.mark.parametrize(
    ("pool", "rule", "skip", "chosen"),
    [
        # skill match: only the agent with the skill (or a generalist) may be offered it
        ([c(1, ["orders"]), c(2, ["billing"])], {"skill": "billing"}, set(), 2),
        ([c(1, ["orders"]), c(2, ["security"])], {"skill": "billing"}, set(), None),
        ([c(1, ["orders"]), c(2, [])], {"skill": "billing"}, set(), 2),
        # capacity: a full agent is passed over
        ([c(1, ["billing"], capacity=2, load=2, last=1), c(2, ["billing"], last=9)], {"skill": "billing"}, set(), 2),
        ([c(1, capacity=0)], {"skill": ""}, set(), None),
        # idle order: the agent whose last chat came longest ago, then the lighter load
        ([c(1, last=500), c(2, last=100), c(3, last=300)], {"skill": ""}, set(), 2),
        ([c(1, last=100, load=2), c(2, last=100, load=1)], {"skill": ""}, set(), 2),
        # an agent already offered it (timed out / declined) is skipped
        ([c(1, last=100), c(2, last=200)], {"skill": ""}, {1}, 2),
        # widened: any skill may take it
        ([c(1, ["orders"])], {"skill": "billing", "widened": True}, set(), 1),
        # transferred to one person: only them, even when others are idler
        ([c(1, last=0), c(2, last=900)], {"skill": "", "target": 2}, set(), 2),
    ],
)
def test_pick_the_agent(pool, rule, skip, chosen):
    rule = {"widened": False, "target": None} | rule
    found = pick(pool, **rule, skip=skip)
    assert (found.id if found else None) == chosen


@pytest.fixture
def desk(app_env, monkeypatch, redis_prefix):
    """The app on a queue of its own (own key prefix), with the timers stopped so the test drives each round."""
    with app_client(
        monkeypatch,
        redis_prefix=f"{redis_prefix}q{uuid.uuid4().hex[:6]}",
        router_interval_seconds=3600,
        scheduler_interval_seconds=3600,
        offer_timeout_seconds=0.4,
        widen_after_seconds=3600,
        presence_ttl_seconds=30,  # a slow database must not let agents expire mid-test
    ) as client:
        yield client


def agent(name: str, skills: str = "", capacity: int = 3) -> tuple[int, dict]:
    """A new agent with skills and capacity whose desk is connected; their id and bearer header."""
    from core.db import get_session_factory
    from handoff.desk.presence import mark_online
    from ops import admin
    from people import service as people

    email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}@lumora.example"
    admin.create_user(email, name, ["agent"], "staff-password-1")
    token = admin.create_token(email, "tests")
    with get_session_factory()() as session:
        user = people.get_by_email(session=session, email=email)
        user.skills, user.capacity = skills, capacity
        session.commit()
        mark_online(user.id, name=name, skills=user.skill_list, capacity=capacity)
        return user.id, {"Authorization": f"Bearer {token}"}


def hand_off(client, tag: str | None = None) -> tuple[str, dict]:
    """A customer conversation the bot hands off (needing the skill of `tag`); its id and customer header."""
    opened = client.post("/api/conversations").json()
    tried = [{"title": "An article", "score": 0.4, "tags": [tag]}] if tag else []
    packet = {"summary": "help", "kb_articles_tried": tried}
    body = {"conversation_id": opened["conversation_id"], "reason": "not_helpful", "packet": packet}
    answer = client.post("/api/bot/handoff", json=body, headers=BOT).json()
    assert answer["status"] == "queued", answer
    return opened["conversation_id"], {"Authorization": f"Bearer {opened['token']}"}


def customer_sees(client, conversation: str, customer: dict) -> dict:
    """The customer's view: state and the last message's text."""
    seen = client.get(f"/api/conversations/{conversation}/messages", headers=customer).json()
    return {"state": seen["state"], "last": seen["messages"][-1]["text"] if seen["messages"] else ""}


def test_the_offer_goes_at_once_to_the_idlest_agent_with_the_skill(desk):
    billing_busy, _ = agent("Bea Billing", "billing")
    orders, _ = agent("Otto Orders", "orders")
    billing_idle, _ = agent("Bill Idle", "billing")
    get_redis().set(key("assigned", str(billing_busy)), int(time.time() * 1000))  # Bea just got a chat
    conversation, _ = hand_off(desk, "refunds")  # refunds → billing
    assert agent_queue.offered_to(conversation) == billing_idle
    assert agent_queue.offer_of(orders) is None


def test_an_unanswered_offer_moves_to_the_next_agent_and_a_decline_moves_it_at_once(desk, monkeypatch):
    first, first_auth = agent("Fay First")
    second, second_auth = agent("Sam Second")
    conversation, _ = hand_off(desk)
    offered = agent_queue.offered_to(conversation)
    assert offered in {first, second}
    time.sleep(0.5)  # the 0.4 s offer lapses
    monkeypatch.setenv("OFFER_TIMEOUT_SECONDS", "30")  # the next offer must outlive a slow machine's decline
    get_settings.cache_clear()
    queueing.route(get_settings())
    other = second if offered == first else first
    assert agent_queue.offered_to(conversation) == other
    decline = desk.post(
        f"/api/desk/conversations/{conversation}/decline", headers=second_auth if other == second else first_auth
    )
    assert decline.status_code == 200 and decline.json()["offered_to"] == offered  # round again to the first


def test_a_conversation_waiting_too_long_widens_to_any_skill(desk, monkeypatch):
    orders, orders_auth = agent("Olga Orders", "orders")
    agent("Sue Security", "security", capacity=0)  # online with the skill, but with no room for a chat
    conversation, _ = hand_off(desk, "security")
    assert agent_queue.offered_to(conversation) is None
    refused = desk.post(f"/api/desk/conversations/{conversation}/accept", headers=orders_auth)
    assert refused.status_code == 403 and "security" in refused.json()["detail"]
    monkeypatch.setenv("WIDEN_AFTER_SECONDS", "0")
    get_settings.cache_clear()
    queueing.route(get_settings())
    assert agent_queue.offered_to(conversation) == orders
    assert desk.post(f"/api/desk/conversations/{conversation}/accept", headers=orders_auth).status_code == 200


def test_a_full_agent_is_not_offered_more(desk):
    solo, solo_auth = agent("Cap One", capacity=1)
    first, _ = hand_off(desk)
    assert desk.post(f"/api/desk/conversations/{first}/accept", headers=solo_auth).status_code == 200
    second, _ = hand_off(desk)
    assert agent_queue.offered_to(second) is None and agent_queue.position(second) == 1


def test_many_agents_accepting_one_offer_at_once_exactly_one_wins(desk):
    agents = [agent(f"Racer {n}") for n in range(8)]
    conversation, customer = hand_off(desk)
    url = f"/api/desk/conversations/{conversation}/accept"
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(lambda a: desk.post(url, headers=a[1]).status_code, agents))
    assert sorted(codes) == [200] + [409] * 7
    joined = [m for m in desk.get(f"/api/conversations/{conversation}/messages", headers=customer).json()["messages"]]
    assert sum("joined the chat" in m["text"] for m in joined) == 1


def test_an_agent_whose_desk_dies_loses_the_chat_back_to_its_place_and_the_customer_is_told(desk, monkeypatch):
    monkeypatch.setenv("PRESENCE_TTL_SECONDS", "1")  # this agent's desk stops sending heartbeats
    get_settings.cache_clear()
    gone, gone_auth = agent("Gus Gone")
    early, customer = hand_off(desk)
    later, _ = hand_off(desk)
    assert desk.post(f"/api/desk/conversations/{early}/accept", headers=gone_auth).status_code == 200
    time.sleep(1.2)  # no heartbeat: the 1 s presence expires
    queueing.route(get_settings())
    assert agent_queue.owner(early) is None
    assert agent_queue.position(early) == 1 and agent_queue.position(later) == 2  # its original place
    seen = customer_sees(desk, early, customer)
    assert seen["state"] == "queued" and "back in the queue at number 1" in seen["last"]


def test_a_customer_who_leaves_the_queue_is_removed_and_the_chat_ends(desk):
    agent("Fully Booked", capacity=0)  # someone is online, so the chat queues
    conversation, customer = hand_off(desk)
    case = desk.post(
        "/api/cases",
        json={"customer_email": "lea@example.com", "subject": "left", "conversation_id": conversation},
        headers=customer,
    )
    assert case.status_code == 201
    get_redis().delete(key("seen", conversation))  # away longer than the setting
    queueing.route(get_settings())
    assert agent_queue.position(conversation) is None
    assert customer_sees(desk, conversation, customer)["state"] == "closed"
    staff = staff_auth("Ann Admin", ["agent"])
    timeline = desk.get(f"/api/cases/{case.json()['number']}", headers=staff).json()["timeline"]
    assert "left_queue" in [event["kind"] for event in timeline]


def test_transfer_to_a_skill_keeps_the_transcript_and_offers_it_to_that_skill(desk):
    ana, ana_auth = agent("Ana Any")
    sec, _ = agent("Sid Security", "security")
    conversation, customer = hand_off(desk)
    desk.post(f"/api/desk/conversations/{conversation}/decline", headers=ana_auth)
    agent_queue.clear_offer_of(sec, conversation)
    assert desk.post(f"/api/desk/conversations/{conversation}/accept", headers=ana_auth).status_code == 200
    desk.post(f"/api/desk/conversations/{conversation}/messages", json={"text": "One moment."}, headers=ana_auth)
    moved = desk.post(f"/api/desk/conversations/{conversation}/transfer", json={"skill": "security"}, headers=ana_auth)
    assert moved.status_code == 200 and moved.json()["offered_to"] == sec
    texts = [
        m["text"] for m in desk.get(f"/api/conversations/{conversation}/messages", headers=customer).json()["messages"]
    ]
    assert "One moment." in texts and "who handles security" in texts[-1]


def test_only_the_lock_holder_runs_the_routing_round(desk):
    from app.scheduler import ROUNDS, run_due_jobs

    settings = get_settings()
    held = get_redis().lock(key("scheduler", "router"), timeout=10)
    assert held.acquire(blocking=False)
    try:
        assert run_due_jobs(settings, ROUNDS[1]) is False
    finally:
        held.release()
    assert run_due_jobs(settings, ROUNDS[1]) is True


def test_offline_agent_gets_no_offer(desk):
    away, _ = agent("Al Away")
    mark_offline(away)
    conversation, _ = hand_off_or_no_agent(desk)
    assert conversation is None  # nobody online: the bot is told, nothing is queued into silence


def hand_off_or_no_agent(client) -> tuple[str | None, dict]:
    """Like hand_off, but returns (None, answer) when the app says nobody can take it."""
    opened = client.post("/api/conversations").json()
    body = {"conversation_id": opened["conversation_id"], "reason": "customer_request", "packet": {}}
    answer = client.post("/api/bot/handoff", json=body, headers=BOT).json()
    return (opened["conversation_id"] if answer["status"] == "queued" else None), answer


def test_waiting_customers_hear_their_place_when_it_changes(desk):
    from handoff.desk.offers import announce_positions

    agent("Busy Bee", capacity=0)  # online, so chats queue, but no room: nobody is offered them
    first, _ = hand_off(desk)
    second, _ = hand_off(desk)
    assert announce_positions(get_settings()) == 2  # both told their place once
    assert announce_positions(get_settings()) == 0  # nothing changed: nobody is told again
    agent_queue.withdraw(first)
    assert announce_positions(get_settings()) == 1 and agent_queue.details(second)["told"] == "1"
