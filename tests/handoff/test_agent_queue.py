"""The handoff queue on the real Redis: order by priority then waiting time, and one winner per claim."""

import threading
import uuid

from app import agent_queue


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


def test_a_customer_who_leaves_is_withdrawn(own_queue):
    conversation = _id()
    agent_queue.enqueue(conversation, skill=None)
    agent_queue.withdraw(conversation)
    assert agent_queue.position(conversation) is None and not agent_queue.claim(conversation, 7)
