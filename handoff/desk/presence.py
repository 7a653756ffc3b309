"""Who can take a chat now: agents online (presence keys in Redis, with a TTL) within business hours."""

import json
import re
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from redis.exceptions import RedisError

from core.redis_client import get_redis, key
from core.settings import Settings, get_settings

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOURS = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)-(mon|tue|wed|thu|fri|sat|sun) (\d\d):(\d\d)-(\d\d):(\d\d)$")


def within_business_hours(spec: str, now: datetime, zone: str) -> bool:
    """True if `now` falls in `spec` ("" = always; "mon-fri 08:00-18:00" in time zone `zone`)."""
    if not spec.strip():
        return True
    match = HOURS.match(spec.strip().lower())
    if match is None:
        raise ValueError(f"BUSINESS_HOURS: {spec!r} is not like 'mon-fri 08:00-18:00'")
    first, last = DAYS.index(match[1]), DAYS.index(match[2])
    local = now.astimezone(ZoneInfo(zone))
    in_days = first <= local.weekday() <= last if first <= last else local.weekday() >= first or local.weekday() <= last
    minutes = local.hour * 60 + local.minute
    opens, closes = int(match[3]) * 60 + int(match[4]), int(match[5]) * 60 + int(match[6])
    return in_days and opens <= minutes < closes


def mark_online(user_id: int, *, name: str, skills: list[str], capacity: int = 3) -> None:
    """Record that an agent's desk is connected (renewed by its heartbeat; expires after the presence TTL)."""
    ttl = get_settings().presence_ttl_seconds
    record = {"name": name, "skills": skills, "capacity": capacity}
    pipe = get_redis().pipeline(transaction=False)
    pipe.set(key("presence", str(user_id)), json.dumps(record), ex=ttl)
    pipe.zadd(key("presence-index"), {str(user_id): time.time() + ttl})
    pipe.execute()


def mark_offline(user_id: int) -> None:
    """Record that an agent's desk has gone."""
    pipe = get_redis().pipeline(transaction=False)
    pipe.delete(key("presence", str(user_id)))
    pipe.zrem(key("presence-index"), str(user_id))
    pipe.execute()


def online_agents() -> dict[int, dict]:
    """Agents whose desk is connected: user id → {"name", "skills", "capacity"}.

    The presence keys (with their TTL) say who is online; the index, scored by when each key expires, says
    which keys to read, so this costs two round trips however many other keys Redis holds (a scan of the
    keyspace, every routing round, grew with every conversation's keys). Entries expired a TTL ago are pruned."""
    client = get_redis()
    pipe = client.pipeline(transaction=False)
    pipe.zremrangebyscore(key("presence-index"), "-inf", time.time() - get_settings().presence_ttl_seconds)
    pipe.zrange(key("presence-index"), 0, -1)
    _, ids = pipe.execute()
    records = client.mget([key("presence", user_id) for user_id in ids]) if ids else []
    return {int(user_id): json.loads(raw) for user_id, raw in zip(ids, records, strict=True) if raw}


def customer_seen(conversation_id: str, away_seconds: float) -> None:
    """Record that the customer is still there (their widget is connected or polling)."""
    get_redis().set(key("seen", conversation_id), "1", ex=max(1, int(away_seconds)))


def customer_away(conversation_id: str) -> bool:
    """True if the customer has not been seen for longer than the away setting."""
    return not get_redis().exists(key("seen", conversation_id))


def why_no_agent(settings: Settings, skill: str | None, now: datetime) -> str | None:
    """None if someone can take a chat needing `skill` now, else the reason (for the customer and the packet)."""
    if not within_business_hours(settings.business_hours, now, settings.business_timezone):
        return "outside_business_hours"
    try:
        agents = online_agents()
    except RedisError:
        return "presence_unknown"
    if not agents:
        return "nobody_online"
    if skill and not any(skill in agent["skills"] or not agent["skills"] for agent in agents.values()):
        return "no_agent_with_skill"
    return None
