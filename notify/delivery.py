"""Wiring of swarm notifications into the app: the configured senders and a retrying delivery queue in Redis.

Each notice is stored once per configured sender as `notify:delivery:<id>` (a hash: sender, notice, attempts,
last_error, status) and scheduled in the sorted set `notify:due` by its next attempt time. A worker claims a
due delivery atomically by moving it a lease ahead, so two workers never send it at once and one that dies
mid-send only delays it; receivers drop repeats by the X-Swarmdesk-Delivery header.
"""

import json
import logging
import random
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from redis.exceptions import RedisError

from core.redis_client import get_redis, key
from core.settings import Settings, get_settings
from notify import DeliveryError, Sender, SlackSender, SwarmNotice, WebhookSender

log = logging.getLogger(__name__)

BASE_DELAY_SECONDS = 2.0
MAX_DELAY_SECONDS = 300.0
JITTER = 0.1  # up to 10 % more than the backoff, so retries from many deliveries spread out
KEEP_SECONDS = 7 * 24 * 3600  # failed (and unsent) deliveries stay this long with their last error
KEEP_SENT_SECONDS = 24 * 3600
BATCH = 16  # deliveries claimed per call, sent in parallel: one call lasts about one timeout at worst
LEASE_GRACE_SECONDS = 30.0

# Claim one delivery if it is due: move it a lease ahead and count the attempt (1), or 0 if not ours.
CLAIM = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) > tonumber(ARGV[2]) then return 0 end
if redis.call('EXISTS', KEYS[2]) == 0 then redis.call('ZREM', KEYS[1], ARGV[1]) return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[2], 'status', 'sending')
redis.call('HINCRBY', KEYS[2], 'attempts', 1)
return 1
"""


def configured_senders(settings: Settings) -> dict[str, Sender]:
    """The senders the settings configure, by name ("webhook", "slack"); none configured → {}."""
    senders: dict[str, Sender] = {}
    if settings.swarm_webhook_url:
        if not settings.swarm_webhook_secret:
            raise ValueError("SWARM_WEBHOOK_URL is set but SWARM_WEBHOOK_SECRET is empty: set one or unset the URL")
        senders["webhook"] = WebhookSender(
            settings.swarm_webhook_url, settings.swarm_webhook_secret, settings.notify_timeout_seconds
        )
    if settings.slack_webhook_url:
        senders["slack"] = SlackSender(settings.slack_webhook_url, settings.notify_timeout_seconds)
    return senders


def _delivery_key(delivery_id: str) -> str:
    """The hash of one delivery."""
    return key("notify", "delivery", delivery_id)


def _iso(seconds: float) -> str:
    """Unix seconds as ISO-8601 UTC."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def backoff_seconds(attempts: int) -> float:
    """The wait after the `attempts`-th failed attempt: 2, 4, 8 … s, capped at 5 minutes, plus jitter."""
    delay = min(BASE_DELAY_SECONDS * 2 ** max(attempts - 1, 0), MAX_DELAY_SECONDS)
    return delay * (1 + random.uniform(0, JITTER))


def queue_notice(notice: SwarmNotice, settings: Settings | None = None, now: float | None = None) -> list[str]:
    """Queue `notice` for every configured sender, due at once; returns the delivery ids. Never raises."""
    settings = settings or get_settings()
    now = time.time() if now is None else now
    try:
        senders = configured_senders(settings)
        if not senders:
            return []
        ids = {name: uuid.uuid4().hex for name in senders}
        pipe = get_redis().pipeline(transaction=True)
        for name, delivery_id in ids.items():
            record = {
                "id": delivery_id,
                "sender": name,
                "notice": json.dumps(notice.to_json(), ensure_ascii=False),
                "attempts": 0,
                "last_error": "",
                "status": "pending",
                "queued_at": _iso(now),
            }
            pipe.hset(_delivery_key(delivery_id), mapping=record)
            pipe.expire(_delivery_key(delivery_id), KEEP_SECONDS)
            pipe.zadd(key("notify", "due"), {delivery_id: now})
        pipe.execute()
        return list(ids.values())
    except RedisError as error:
        log.warning("swarm notice %s for %s not queued, Redis unavailable: %s", notice.event, notice.case_number, error)
    except Exception:
        log.exception("swarm notice %s for %s not queued", notice.event, notice.case_number)
    return []


def _attempt(sender: Sender | None, name: str, record: dict) -> str:
    """Send one claimed delivery; returns "" when sent, else the reason it was not."""
    if sender is None:
        return f"sender {name!r} is no longer configured"
    try:
        sender.send(SwarmNotice.from_json(json.loads(record["notice"])), delivery_id=record["id"])
        return ""
    except DeliveryError as error:
        return error.reason
    except Exception as error:  # a bug or a malformed record must not stop the other deliveries
        log.exception("swarm notification %s crashed its sender %s", record.get("id"), name)
        return f"unexpected error: {type(error).__name__}: {error}"


def _record_outcome(redis, record: dict, reason: str, settings: Settings, now: float) -> bool:
    """Store what one attempt did (sent, retry later, or failed for good); True if it was sent."""
    delivery_id, name, attempts = record["id"], record["sender"], int(record["attempts"])
    hash_key, due = _delivery_key(delivery_id), key("notify", "due")
    pipe = redis.pipeline(transaction=True)
    if not reason:
        pipe.hset(hash_key, mapping={"status": "sent", "last_error": "", "sent_at": _iso(now)})
        pipe.expire(hash_key, KEEP_SENT_SECONDS)
        pipe.zrem(due, delivery_id)
    elif attempts >= settings.notify_max_attempts:
        pipe.hset(hash_key, mapping={"status": "failed", "last_error": reason, "failed_at": _iso(now)})
        pipe.expire(hash_key, KEEP_SECONDS)
        pipe.zrem(due, delivery_id)
        pipe.zadd(key("notify", "failed"), {delivery_id: now})
        log.error("swarm notification %s via %s failed after %d attempts: %s", delivery_id, name, attempts, reason)
    else:
        wait = backoff_seconds(attempts)
        pipe.hset(hash_key, mapping={"status": "pending", "last_error": reason, "next_at": _iso(now + wait)})
        pipe.zadd(due, {delivery_id: now + wait})
        log.warning(
            "swarm notification %s via %s failed (attempt %d of %d), retrying in %.1f s: %s",
            delivery_id,
            name,
            attempts,
            settings.notify_max_attempts,
            wait,
            reason,
        )
    pipe.execute()
    return not reason


def deliver_due_notifications(settings: Settings, now: float | None = None) -> int:
    """Send the deliveries that are due (at most BATCH, in parallel); returns how many were sent."""
    now = time.time() if now is None else now
    redis, due = get_redis(), key("notify", "due")
    lease_until = now + settings.notify_timeout_seconds + LEASE_GRACE_SECONDS
    claim = redis.register_script(CLAIM)
    claimed = []
    for delivery_id in redis.zrangebyscore(due, "-inf", now, start=0, num=BATCH):
        if claim(keys=[due, _delivery_key(delivery_id)], args=[delivery_id, now, lease_until]):
            claimed.append(redis.hgetall(_delivery_key(delivery_id)))
    if not claimed:
        return 0
    senders = configured_senders(settings)
    names = [record["sender"] for record in claimed]
    with ThreadPoolExecutor(max_workers=len(claimed), thread_name_prefix="notify") as pool:
        reasons = list(pool.map(_attempt, [senders.get(name) for name in names], names, claimed))
    outcomes = zip(claimed, reasons, strict=True)
    return sum(_record_outcome(redis, record, reason, settings, now) for record, reason in outcomes)


def recent_failures(limit: int = 20) -> list[dict]:
    """The newest deliveries that failed for good (kept 7 days): id, sender, attempts, last_error, notice."""
    redis, failed = get_redis(), key("notify", "failed")
    redis.zremrangebyscore(failed, "-inf", time.time() - KEEP_SECONDS)
    rows = []
    for delivery_id in redis.zrevrange(failed, 0, max(limit, 1) - 1):
        record = redis.hgetall(_delivery_key(delivery_id))
        if not record:  # expired with its hash
            redis.zrem(failed, delivery_id)
            continue
        notice = json.loads(record.get("notice") or "{}")
        rows.append(
            {
                "id": delivery_id,
                "sender": record.get("sender", ""),
                "event": f"swarm.{notice.get('kind', '')}",
                "case_number": notice.get("case_number", ""),
                "swarm_id": notice.get("swarm_id"),
                "attempts": int(record.get("attempts", 0)),
                "last_error": record.get("last_error", ""),
                "failed_at": record.get("failed_at", ""),
                "notice": notice,
            }
        )
    return rows
