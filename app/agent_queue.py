"""The handoff queue in Redis: waiting conversations in order, and an atomic claim so one agent wins.

Keys (under the app's prefix): `queue` — a sorted set of conversation ids, scored so higher priority
comes first and, within a priority, the longest waiting; `queued:<id>` — a hash with skill, priority and
reason; `owner:<id>` — the agent holding the conversation; `load:<agent>` — how many they hold.
"""

import time

from app.redis_client import get_redis, key

PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
# Remove the conversation from the queue and give it to the agent, or do nothing: one round trip, atomic.
CLAIM = """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('INCR', KEYS[3])
redis.call('DEL', KEYS[4])
return 1
"""


def enqueue(conversation_id: str, *, skill: str | None, priority: str = "normal", reason: str = "") -> int:
    """Put a conversation in the queue (once); returns its place, 1 being next."""
    client = get_redis()
    score = PRIORITY_RANK.get(priority, 2) * 10**13 + int(time.time() * 1000)
    pipe = client.pipeline()
    pipe.zadd(key("queue"), {conversation_id: score}, nx=True)
    pipe.hset(key("queued", conversation_id), mapping={"skill": skill or "", "priority": priority, "reason": reason})
    pipe.execute()
    return position(conversation_id) or 0


def position(conversation_id: str) -> int | None:
    """The conversation's place in the queue (1 = next), or None if it is not waiting."""
    rank = get_redis().zrank(key("queue"), conversation_id)
    return None if rank is None else rank + 1


def waiting() -> list[dict]:
    """Every waiting conversation in queue order, with its skill, priority, reason and seconds waited."""
    client = get_redis()
    now = time.time() * 1000
    rows = []
    for conversation_id, score in client.zrange(key("queue"), 0, -1, withscores=True):
        meta = client.hgetall(key("queued", conversation_id))
        rows.append(
            {"conversation_id": conversation_id, **meta, "waited_seconds": round((now - score % 10**13) / 1000)}
        )
    return rows


def claim(conversation_id: str, agent_id: int) -> bool:
    """Give a waiting conversation to `agent_id`; False if it is no longer waiting (someone else won)."""
    client = get_redis()
    keys = [key("queue"), key("owner", conversation_id), key("load", str(agent_id)), key("queued", conversation_id)]
    return bool(client.eval(CLAIM, len(keys), *keys, conversation_id, str(agent_id)))


def owner(conversation_id: str) -> int | None:
    """The agent holding the conversation, if any."""
    value = get_redis().get(key("owner", conversation_id))
    return int(value) if value else None


def release(conversation_id: str) -> None:
    """The holder lets go (closed, transferred or handed back to the bot)."""
    client = get_redis()
    agent = client.getdel(key("owner", conversation_id))
    if agent:
        client.decr(key("load", agent))


def withdraw(conversation_id: str) -> None:
    """Take a conversation out of the queue (the customer left)."""
    client = get_redis()
    client.zrem(key("queue"), conversation_id)
    client.delete(key("queued", conversation_id))
