"""The handoff queue in Redis: waiting conversations in order, offers to one agent at a time, atomic claims.

Keys (under the app's prefix):
- `queue` — sorted set of waiting conversation ids; the score puts higher priority first, then the longest
  waiting. A conversation keeps its score while an agent holds it, so a requeue restores its place.
- `queued:<id>` — hash: skill, language, priority, reason, score, since (ms), widened ("1" once any skill may take
  it), target (an agent id when transferred to one person), affinity (the agent who helped this customer last:
  offered it first), offered (the agent of the last offer until it is answered, so an offer that expired is
  noticed). Kept until the conversation is finished.
- `offer:<id>` / `offered:<agent>` — the outstanding offer, both ways, expiring after the offer timeout.
- `tried:<id>` — sorted set: agents already offered this conversation, scored by when (ms); the next offer goes
  to someone else, and back to them only once everyone was tried and the cooldown has passed.
- `owner:<id>` — the agent holding it; `holding:<agent>` — the conversations an agent holds (their load);
  `holders` — every agent who ever claimed one (so `holders()` needs no scan of the keyspace);
  `assigned:<agent>` — when they last got one (ms), so the agent idle longest gets the next offer.
"""

import time

from core.redis_client import get_redis, key

PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
PRIORITY_SPAN = 10**13  # scores are rank * span + enqueue time in ms
# Take the conversation off the queue and give it to the agent, or do nothing: atomic, one round trip.
CLAIM = """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[8], ARGV[2])
redis.call('SET', KEYS[4], ARGV[3])
redis.call('DEL', KEYS[5], KEYS[6])
if redis.call('GET', KEYS[7]) == ARGV[1] then redis.call('DEL', KEYS[7]) end
return 1
"""


# Put a conversation its agent still holds back in the queue at its kept score, or do nothing (it was released
# meanwhile): atomic, so a release racing a requeue always ends with the conversation out of the queue.
REQUEUE = """
if redis.call('GET', KEYS[1]) ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
local score = redis.call('HGET', KEYS[3], 'score') or ARGV[3]
redis.call('HSET', KEYS[3], 'score', score, 'target', ARGV[4], 'offered', '', 'affinity', '')
if ARGV[5] == '1' then redis.call('HSET', KEYS[3], 'skill', ARGV[6], 'widened', '0') end
redis.call('DEL', KEYS[4])
redis.call('ZADD', KEYS[5], score, ARGV[1])
return 1
"""


def _now_ms() -> int:
    """Wall-clock milliseconds."""
    return int(time.time() * 1000)


def enqueue(
    conversation_id: str,
    *,
    skill: str | None,
    priority: str = "normal",
    reason: str = "",
    summary: str = "",
    affinity: int | None = None,
    language: str = "",
) -> int:
    """Put a conversation in the queue (once), first for the `affinity` agent to take; returns its place."""
    client = get_redis()
    now = _now_ms()
    score = PRIORITY_RANK.get(priority, 2) * PRIORITY_SPAN + now
    record = key("queued", conversation_id)
    pipe = client.pipeline()
    pipe.zadd(key("queue"), {conversation_id: score}, nx=True)
    pipe.hsetnx(record, "score", score)
    pipe.hsetnx(record, "since", now)
    fields = {"skill": skill or "", "language": language, "priority": priority, "reason": reason, "summary": summary}
    pipe.hset(record, mapping=fields | {"affinity": str(affinity or "")})
    pipe.execute()
    return position(conversation_id) or 0


def position(conversation_id: str) -> int | None:
    """The conversation's place in the queue (1 = next), or None if it is not waiting."""
    rank = get_redis().zrank(key("queue"), conversation_id)
    return None if rank is None else rank + 1


def length() -> int:
    """How many conversations wait for a person now."""
    return get_redis().zcard(key("queue"))


def longest_wait_seconds() -> float:
    """How long the customer who has waited longest so far has waited (0 with nobody waiting)."""
    return max((row["waited_seconds"] for row in waiting()), default=0)


def waited_seconds(conversation_id: str) -> float | None:
    """Seconds since the conversation first asked for a person, or None without a queue record."""
    since = get_redis().hget(key("queued", conversation_id), "since")
    return (_now_ms() - int(since)) / 1000 if since else None


def details(conversation_id: str) -> dict:
    """The queue record of a conversation (empty if it has none)."""
    return get_redis().hgetall(key("queued", conversation_id))


def waiting() -> list[dict]:
    """Every waiting conversation in queue order, with its record, seconds waited and who has the offer."""
    client = get_redis()
    now = _now_ms()
    ids = client.zrange(key("queue"), 0, -1)
    pipe = client.pipeline()
    for conversation_id in ids:
        pipe.hgetall(key("queued", conversation_id))
        pipe.get(key("offer", conversation_id))
    answers = pipe.execute()
    rows = []
    for index, conversation_id in enumerate(ids):
        meta, offered_to = answers[2 * index], answers[2 * index + 1]
        since = int(meta.get("since") or now)
        rows.append(
            {
                "conversation_id": conversation_id,
                "skill": meta.get("skill", ""),
                "language": meta.get("language", ""),
                "priority": meta.get("priority", "normal"),
                "reason": meta.get("reason", ""),
                "widened": meta.get("widened") == "1",
                "target": int(meta["target"]) if meta.get("target") else None,
                "offered_to": int(offered_to) if offered_to else None,
                "waited_seconds": round((now - since) / 1000),
            }
        )
    return rows


def claim(conversation_id: str, agent_id: int) -> bool:
    """Give a waiting conversation to `agent_id`; False if it is no longer waiting (someone else won)."""
    agent = str(agent_id)
    keys = [
        key("queue"),
        key("owner", conversation_id),
        key("holding", agent),
        key("assigned", agent),
        key("offer", conversation_id),
        key("tried", conversation_id),
        key("offered", agent),
        key("holders"),
    ]
    return bool(get_redis().eval(CLAIM, len(keys), *keys, conversation_id, agent, _now_ms()))


def owner(conversation_id: str) -> int | None:
    """The agent holding the conversation, if any."""
    value = get_redis().get(key("owner", conversation_id))
    return int(value) if value else None


async def owner_async(client, conversation_id: str) -> int | None:
    """The agent holding the conversation, if any, through the event loop's Redis client."""
    value = await client.get(key("owner", conversation_id))
    return int(value) if value else None


def holding(agent_id: int) -> set[str]:
    """The conversations an agent holds now."""
    return get_redis().smembers(key("holding", str(agent_id)))


def loads(agent_ids: list[int]) -> dict[int, tuple[int, int]]:
    """For each agent: (conversations held, ms of their last assignment, 0 if never)."""
    pipe = get_redis().pipeline()
    for agent_id in agent_ids:
        pipe.scard(key("holding", str(agent_id)))
        pipe.get(key("assigned", str(agent_id)))
    answers = pipe.execute()
    return {agent_id: (answers[2 * i], int(answers[2 * i + 1] or 0)) for i, agent_id in enumerate(agent_ids)}


def release(conversation_id: str) -> None:
    """The conversation is finished with people (closed or handed back to the bot): forget it."""
    client = get_redis()
    agent = client.getdel(key("owner", conversation_id))
    if agent:
        client.srem(key("holding", agent), conversation_id)
    withdraw(conversation_id)


def requeue(conversation_id: str, *, skill: str | None = None, target: int | None = None) -> int | None:
    """Put a held conversation back at its original place (optionally for another skill or one agent); its place,
    or None if nobody held it any more (it was released meanwhile, so it stays out of the queue)."""
    client = get_redis()
    agent = client.get(key("owner", conversation_id))
    if agent is None:
        return None
    keys = [
        key("owner", conversation_id),
        key("holding", agent),
        key("queued", conversation_id),
        key("tried", conversation_id),
        key("queue"),
    ]
    fallback_score = PRIORITY_RANK["normal"] * PRIORITY_SPAN + _now_ms()
    moved = [str(target or ""), "0" if skill is None else "1", skill or ""]
    if not client.eval(REQUEUE, len(keys), *keys, conversation_id, agent, fallback_score, *moved):
        return None
    return position(conversation_id) or 0


def withdraw(conversation_id: str) -> None:
    """Take a conversation out of the queue and drop its records (the customer left, or it is finished)."""
    client = get_redis()
    offered_to = client.get(key("offer", conversation_id))
    pipe = client.pipeline()
    pipe.zrem(key("queue"), conversation_id)
    pipe.delete(key("queued", conversation_id), key("offer", conversation_id), key("tried", conversation_id))
    pipe.execute()
    if offered_to:
        clear_offer_of(int(offered_to), conversation_id)


def note_position(conversation_id: str, place: int) -> bool:
    """Remember the place last told to the customer; True if it changed."""
    client, record = get_redis(), key("queued", conversation_id)
    if client.hget(record, "told") == str(place):
        return False
    client.hset(record, "told", place)
    return True


def widen(conversation_id: str) -> None:
    """Let any agent take the conversation (it waited too long for its skill)."""
    get_redis().hset(key("queued", conversation_id), "widened", "1")


def tried(conversation_id: str) -> dict[int, int]:
    """Agents who were offered this conversation already, with when their last offer went out (ms)."""
    return {int(a): int(at) for a, at in get_redis().zrange(key("tried", conversation_id), 0, -1, withscores=True)}


def offer(conversation_id: str, agent_id: int, timeout_seconds: float) -> bool:
    """Offer the conversation to one agent until the timeout; False if either already has an offer."""
    client = get_redis()
    ttl = int(timeout_seconds * 1000)
    if not client.set(key("offered", str(agent_id)), conversation_id, px=ttl, nx=True):
        return False
    if not client.set(key("offer", conversation_id), agent_id, px=ttl, nx=True):
        client.delete(key("offered", str(agent_id)))
        return False
    client.zadd(key("tried", conversation_id), {str(agent_id): _now_ms()})
    client.hset(key("queued", conversation_id), "offered", agent_id)
    return True


def expired_offer(conversation_id: str) -> bool:
    """True once for an offer that ran out unanswered (its marker is dropped, so it is counted once)."""
    client = get_redis()
    if client.exists(key("offer", conversation_id)) or not client.hget(key("queued", conversation_id), "offered"):
        return False
    return bool(client.hdel(key("queued", conversation_id), "offered"))


def offer_of(agent_id: int) -> str | None:
    """The conversation an agent is being offered now, if any."""
    return get_redis().get(key("offered", str(agent_id)))


def offered_to(conversation_id: str) -> int | None:
    """The agent who holds the live offer of this conversation, if any."""
    value = get_redis().get(key("offer", conversation_id))
    return int(value) if value else None


def clear_offer_of(agent_id: int, conversation_id: str) -> None:
    """Drop an agent's offer of this conversation (declined, or taken by someone else)."""
    client = get_redis()
    if client.get(key("offered", str(agent_id))) == conversation_id:
        client.delete(key("offered", str(agent_id)))
    if client.get(key("offer", conversation_id)) == str(agent_id):
        client.delete(key("offer", conversation_id))
    if client.hget(key("queued", conversation_id), "offered") == str(agent_id):
        client.hdel(key("queued", conversation_id), "offered")


def holders() -> dict[int, set[str]]:
    """Every agent holding conversations, with what they hold (two round trips: `holders` lists every agent who
    ever claimed one, a set bounded by the number of agents, so no scan of the keyspace is needed)."""
    client = get_redis()
    agents = sorted(client.smembers(key("holders")))
    pipe = client.pipeline(transaction=False)
    for agent in agents:
        pipe.smembers(key("holding", agent))
    return {int(agent): held for agent, held in zip(agents, pipe.execute(), strict=True) if held}
