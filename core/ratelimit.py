"""Fixed-window rate limits in Redis; over the limit is a 429 with the reason."""

import logging

import redis
import redis.asyncio as aioredis
from fastapi import HTTPException, status

from core.redis_client import get_redis, key

log = logging.getLogger(__name__)


def enforce(*, bucket: str, limit: int, window_seconds: int, what: str) -> None:
    """Count one hit in `bucket`; raise 429 naming `what` when the window's limit is exceeded."""
    pipe = get_redis().pipeline(transaction=False)
    count_hit(pipe, bucket, window_seconds)
    try:
        count, _ = pipe.execute()
    except redis.RedisError as error:  # a rate limiter must not turn a Redis outage into lost messages
        log.warning("rate limit %s not checked, Redis unavailable: %s", bucket, error)
        return
    if count > limit:
        raise _too_many(what, limit, window_seconds)


async def check(client: aioredis.Redis, *, bucket: str, limit: int, window_seconds: int, what: str) -> None:
    """Raise 429 naming `what` if the window already holds `limit` hits, without counting one (`count_hit` does,
    once the action succeeded: a caller who fails a check further on never uses up someone's allowance)."""
    try:
        count = int(await client.get(key("ratelimit", bucket)) or 0)
    except redis.RedisError as error:
        log.warning("rate limit %s not checked, Redis unavailable: %s", bucket, error)
        return
    if count >= limit:
        raise _too_many(what, limit, window_seconds)


def count_hit(pipe: redis.client.Pipeline | aioredis.client.Pipeline, bucket: str, window_seconds: int) -> None:
    """Add counting one hit in `bucket` to a pipeline (its result: the count so far)."""
    redis_key = key("ratelimit", bucket)
    pipe.incr(redis_key)
    pipe.expire(redis_key, window_seconds, nx=True)


def _too_many(what: str, limit: int, window_seconds: int) -> HTTPException:
    """The 429 for a full window."""
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        f"too many {what}: at most {limit} per {window_seconds} s, please wait a moment",
        {"Retry-After": str(window_seconds)},
    )
