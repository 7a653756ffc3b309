"""Routing: who is offered a handed-off chat, what happens when nobody answers, and the queue staying honest."""

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.redis_client import get_redis, key
from core.settings import get_settings
from handoff.desk import queue as agent_queue
from handoff.desk import queueing
from handoff.desk.presence import mark_offline
from tests.conftest import app_client, metric, staff_auth

BOT = {"Authorization": "Bearer test-bot-token"}


@pytest.fixture
def desk(app_env, monkeypatch, redis_prefix):
    """The app on a queue of its own (own key prefix), with the timers stopped so the test drives each round."""
    with app_client(
        monkeypatch,
        redis_prefix=f"{redis_prefix}q{uuid.uuid4().hex[:6]}",
        router_interval_seconds=3600,
        scheduler_interval_seconds=3600,
        offer_timeout_seconds=0.4,
        offer_cooldown_seconds=3600,  # an agent who let a chat go is not offered it again, unless a test says so
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


def hand_off(
    client, tag: str | None = None, visitor: str | None = None, language: str | None = None
) -> tuple[str, dict]:
    """A customer conversation (of a widget's `visitor`, in `language`) the bot hands off (needing the skill of
    `tag`); its id and customer header."""
    opened = client.post("/api/conversations", json={"visitor_id": visitor} if visitor else None).json()
    if language:
        auth = {"Authorization": f"Bearer {opened['token']}"}
        chosen = client.put(
            f"/api/conversations/{opened['conversation_id']}/language", json={"language": language}, headers=auth
        )
        assert chosen.status_code == 200, chosen.text
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


def settings_with(monkeypatch, **values) -> None:
    """Change settings mid-test (the next routing round and request read them)."""
    for name, value in values.items():
        monkeypatch.setenv(name.upper(), str(value))
    get_settings.cache_clear()


def decline(client, conversation: str, auth: dict) -> int | None:
    """The agent declines their offer; who was offered the chat next (None: it waits in the queue)."""
    answer = client.post(f"/api/desk/conversations/{conversation}/decline", headers=auth)
    assert answer.status_code == 200, answer.text
    return answer.json()["offered_to"]


def test_a_lone_agent_who_declines_is_not_offered_the_chat_again_until_the_cooldown(desk, monkeypatch):
    solo, solo_auth = agent("Lone Ranger")
    conversation, _ = hand_off(desk)
    assert agent_queue.offered_to(conversation) == solo
    assert decline(desk, conversation, solo_auth) is None
    queueing.route(get_settings())
    assert agent_queue.offered_to(conversation) is None and agent_queue.position(conversation) == 1  # it waits
    settings_with(monkeypatch, offer_cooldown_seconds=0.3)
    time.sleep(0.4)
    queueing.route(get_settings())
    assert agent_queue.offered_to(conversation) == solo  # offered again once the cooldown passed
    assert desk.post(f"/api/desk/conversations/{conversation}/accept", headers=solo_auth).status_code == 200


def test_with_two_agents_a_lapsed_offer_goes_to_the_other_and_a_decline_then_leaves_it_waiting(desk, monkeypatch):
    first, first_auth = agent("Fay First")
    second, second_auth = agent("Sam Second")
    auths = {first: first_auth, second: second_auth}
    conversation, _ = hand_off(desk)
    offered = agent_queue.offered_to(conversation)
    assert offered in auths
    time.sleep(0.5)  # the 0.4 s offer lapses
    settings_with(monkeypatch, offer_timeout_seconds=30)  # the next offer must outlive a slow machine's decline
    queueing.route(get_settings())
    other = second if offered == first else first
    assert agent_queue.offered_to(conversation) == other
    assert decline(desk, conversation, auths[other]) is None  # both tried: not straight back to the first
    queueing.route(get_settings())
    assert agent_queue.offered_to(conversation) is None
    assert desk.post(f"/api/desk/conversations/{conversation}/accept", headers=auths[offered]).status_code == 200


def test_with_three_agents_each_is_offered_the_chat_once_before_anyone_again(desk, monkeypatch):
    agents = dict(agent(f"Trio {n}") for n in range(3))
    conversation, _ = hand_off(desk)
    settings_with(monkeypatch, offer_timeout_seconds=30)
    offered = [agent_queue.offered_to(conversation)]
    while (following := decline(desk, conversation, agents[offered[-1]])) is not None:
        offered.append(following)
    assert sorted(offered) == sorted(agents)  # everyone once, nobody twice
    settings_with(monkeypatch, offer_cooldown_seconds=0)
    queueing.route(get_settings())
    assert agent_queue.offered_to(conversation) == offered[0]  # round again, starting with who saw it longest ago


def test_the_operator_sees_the_queue_and_how_offers_ended_on_metrics(desk, monkeypatch):
    first, first_auth = agent("Mo Metrics")
    second, second_auth = agent("Nia Metrics")
    auths = {first: first_auth, second: second_auth}
    before = desk.get("/metrics").text
    conversation, _ = hand_off(desk)
    waiting = desk.get("/metrics").text
    assert metric(waiting, "swarmdesk_queue_length") == 1
    time.sleep(0.5)  # the first 0.4 s offer lapses unanswered
    settings_with(monkeypatch, offer_timeout_seconds=30, offer_cooldown_seconds=0)  # the decline goes round again
    queueing.route(get_settings())
    queueing.route(get_settings())  # a second round must not count the same lapse again
    declined = desk.post(
        f"/api/desk/conversations/{conversation}/decline", headers=auths[agent_queue.offered_to(conversation)]
    )
    assert declined.status_code == 200
    taker = agent_queue.offered_to(conversation)
    assert desk.post(f"/api/desk/conversations/{conversation}/accept", headers=auths[taker]).status_code == 200
    after = desk.get("/metrics").text
    for outcome in ("timed_out", "declined", "accepted"):
        grew = metric(after, "swarmdesk_offers_total", outcome=outcome) - metric(
            before, "swarmdesk_offers_total", outcome=outcome
        )
        assert grew == 1, outcome
    waits = metric(after, "swarmdesk_queue_wait_seconds_count") - metric(before, "swarmdesk_queue_wait_seconds_count")
    assert waits == 1 and metric(after, "swarmdesk_queue_length") == 0


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


def test_a_dutch_chat_goes_to_an_agent_who_speaks_dutch_and_to_anyone_once_widened(desk, monkeypatch):
    english, english_auth = agent("Erin English", "billing")
    conversation, _ = hand_off(desk, "refunds", language="nl")
    assert agent_queue.offered_to(conversation) is None  # nobody online speaks Dutch: it waits
    refused = desk.post(f"/api/desk/conversations/{conversation}/accept", headers=english_auth)
    assert refused.status_code == 403 and "Dutch" in refused.json()["detail"]
    dutch, _ = agent("Daan Dutch", "billing nl")
    queueing.route(get_settings())
    assert agent_queue.offered_to(conversation) == dutch
    assert desk.get("/api/desk/queue", headers=english_auth).json()["waiting"][0]["language_name"] == "Dutch"


def test_without_a_dutch_speaker_a_dutch_chat_widens_to_anyone(desk, monkeypatch):
    english, english_auth = agent("Erin English")
    conversation, _ = hand_off(desk, language="nl")
    assert agent_queue.offered_to(conversation) is None
    settings_with(monkeypatch, widen_after_seconds=0)
    queueing.route(get_settings())
    assert agent_queue.offered_to(conversation) == english


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


def test_a_chat_its_agent_closes_while_the_routing_round_finds_them_offline_stays_closed(desk, monkeypatch):
    monkeypatch.setenv("PRESENCE_TTL_SECONDS", "1")
    get_settings.cache_clear()
    _, closing_auth = agent("Cleo Closing")
    conversation, customer = hand_off(desk)
    assert desk.post(f"/api/desk/conversations/{conversation}/accept", headers=closing_auth).status_code == 200
    time.sleep(1.2)  # the desk's presence expires
    held_when_the_round_looked = agent_queue.holders()
    closed = desk.post(f"/api/desk/conversations/{conversation}/close", headers=closing_auth)
    assert closed.status_code == 200  # the agent closes it before the round gets to it
    monkeypatch.setattr(agent_queue, "holders", lambda: held_when_the_round_looked)
    queueing.route(get_settings())
    assert agent_queue.position(conversation) is None
    seen = customer_sees(desk, conversation, customer)
    assert seen["state"] == "closed" and "back in the queue" not in seen["last"]


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


def test_a_returning_visitor_is_offered_first_to_the_agent_who_helped_them_last(desk, monkeypatch):
    agents = dict([agent("Aff One"), agent("Aff Two")])
    settings_with(monkeypatch, offer_timeout_seconds=30)
    visitor = uuid.uuid4().hex
    first, _ = hand_off(desk, visitor=visitor)
    helper = agent_queue.offered_to(first)
    assert desk.post(f"/api/desk/conversations/{first}/accept", headers=agents[helper]).status_code == 200
    assert desk.post(f"/api/desk/conversations/{first}/close", headers=agents[helper]).status_code == 200
    other = next(a for a in agents if a != helper)  # idle longer, so normal routing would pick them
    stranger, _ = hand_off(desk)
    assert agent_queue.offered_to(stranger) == other
    assert decline(desk, stranger, agents[other]) == helper  # (and out of the way: each has no offer now)
    assert decline(desk, stranger, agents[helper]) is None
    again, _ = hand_off(desk, visitor=visitor)
    assert agent_queue.offered_to(again) == helper  # the same browser: who helped them last, first
    assert decline(desk, again, agents[helper]) == other  # then normal routing
    assert decline(desk, again, agents[other]) is None
    mark_offline(helper)
    gone, _ = hand_off(desk, visitor=visitor)
    assert agent_queue.offered_to(gone) == other  # who helped them is offline: normal routing at once


def test_a_browser_that_forgets_its_visitor_id_is_a_stranger_again(desk, monkeypatch):
    agents = dict([agent("For One"), agent("For Two")])
    settings_with(monkeypatch, offer_timeout_seconds=30)
    visitor = uuid.uuid4().hex
    first, _ = hand_off(desk, visitor=visitor)
    helper = agent_queue.offered_to(first)
    desk.post(f"/api/desk/conversations/{first}/accept", headers=agents[helper])
    desk.post(f"/api/desk/conversations/{first}/close", headers=agents[helper])
    assert desk.post("/api/widget/forget", json={"visitor_id": visitor}).status_code == 204
    again, _ = hand_off(desk, visitor=visitor)
    assert agent_queue.offered_to(again) != helper  # no link to the earlier chat: the idler agent gets it
    assert desk.post("/api/widget/forget", json={"visitor_id": "x"}).status_code == 422
