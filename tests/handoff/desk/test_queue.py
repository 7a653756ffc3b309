"""The handoff queue on the real Redis: order by priority then waiting time, and one winner per claim."""

import threading
import uuid

from handoff.desk import queue as agent_queue


def _id() -> str:
    """A fresh conversation id."""
    return str(uuid.uuid4())


def test_higher_priority_first_then_the_longest_waiting(own_queue):
    first, second, urgent = _id(), _id(), _id()
    place = agent_queue.enqueue(first, skill="billing")
    assert agent_queue.enqueue(second, skill=None) == place + 1
    assert agent_queue.enqueue(urgent, skill="security", priority="urgent") == 1  # ahead of every normal one
    assert agent_queue.enqueue(first, skill="billing") == place + 1  # queueing twice keeps the original place
    mine = [row for row in agent_queue.waiting() if row["conversation_id"] in {first, second, urgent}]
    assert [row["conversation_id"] for row in mine] == [urgent, first, second]
    assert mine[0]["skill"] == "security" and mine[0]["priority"] == "urgent"
    for conversation in (first, second, urgent):
        agent_queue.withdraw(conversation)


def test_many_simultaneous_claims_exactly_one_wins(own_queue):
    conversation = _id()
    agent_queue.enqueue(conversation, skill=None)
    barrier, wins = threading.Barrier(20), []

    def try_claim(agent_id: int) -> None:
        barrier.wait()
        if agent_queue.claim(conversation, agent_id):
            wins.append(agent_id)

    threads = [threading.Thread(target=try_claim, args=(agent,)) for agent in range(1, 21)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(wins) == 1 and agent_queue.owner(conversation) == wins[0]
    assert agent_queue.position(conversation) is None
    agent_queue.release(conversation)
    assert agent_queue.owner(conversation) is None


def test_a_chat_released_while_it_is_requeued_always_ends_out_of_the_queue(own_queue):
    """Its agent closes the chat as the routing round hands it back (their desk went offline): whichever runs
    first, the closed chat must not wait in the queue for the next agent."""
    for _ in range(100):
        conversation = _id()
        agent_queue.enqueue(conversation, skill=None)
        assert agent_queue.claim(conversation, 61)
        barrier = threading.Barrier(2)

        def at_once(step, conversation=conversation, barrier=barrier) -> None:
            barrier.wait()
            step(conversation)

        steps = (agent_queue.requeue, agent_queue.release)
        threads = [threading.Thread(target=at_once, args=(step,)) for step in steps]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert agent_queue.position(conversation) is None and agent_queue.owner(conversation) is None
        agent_queue.withdraw(conversation)


def test_a_customer_who_leaves_is_withdrawn(own_queue):
    conversation = _id()
    agent_queue.enqueue(conversation, skill=None)
    agent_queue.withdraw(conversation)
    assert agent_queue.position(conversation) is None and not agent_queue.claim(conversation, 7)


def test_holders_lists_who_holds_what_and_forgets_a_chat_once_released(own_queue):
    first, second = _id(), _id()
    for conversation in (first, second):
        agent_queue.enqueue(conversation, skill=None)
    assert agent_queue.claim(first, 41) and agent_queue.claim(second, 42)
    assert agent_queue.holders() == {41: {first}, 42: {second}}
    agent_queue.release(second)
    assert agent_queue.holders() == {41: {first}}


def test_an_agent_is_online_while_their_presence_key_lives(own_queue):
    from core.redis_client import get_redis, key
    from handoff.desk.presence import mark_offline, mark_online, online_agents

    mark_online(51, name="Ana", skills=["billing"], capacity=2)
    mark_online(52, name="Bo", skills=[])
    assert online_agents() == {
        51: {"name": "Ana", "skills": ["billing"], "capacity": 2},
        52: {"name": "Bo", "skills": [], "capacity": 3},
    }
    mark_offline(52)
    get_redis().delete(key("presence", "51"))  # Ana's key expired: her desk stopped sending heartbeats
    assert online_agents() == {}
