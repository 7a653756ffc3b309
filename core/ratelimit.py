"""Fixed-window rate limits in Redis, counted atomically: increment, then compare, so a burst cannot slip through.

Over the limit is a 429 naming the limit, with `Retry-After` set to the seconds left in the window."""

import logging

import redis
import redis.asyncio as aioredis
from fastapi import HTTPException, status

from core.metrics import REFUSALS
from core.redis_client import get_redis, key

log = logging.getLogger(__name__)


def enforce(*, bucket: str, limit: int, window_seconds: int, what: str) -> None:
    """Count one hit in `bucket`; raise 429 naming `what` when it is over the window's limit."""
    pipe = get_redis().pipeline(transaction=True)
    _count(pipe, bucket, window_seconds)
    try:
        count, _, ttl = pipe.execute()
    except redis.RedisError as error:  # a rate limiter must not turn a Redis outage into lost messages
        log.warning("rate limit %s not checked, Redis unavailable: %s", bucket, error)
        return
    _refuse_over(count, ttl, limit=limit, window_seconds=window_seconds, what=what)


async def enforce_async(client: aioredis.Redis, *, bucket: str, limit: int, window_seconds: int, what: str) -> None:
    """`enforce` on the app's asyncio Redis client."""
    pipe = client.pipeline(transaction=True)
    _count(pipe, bucket, window_seconds)
    try:
        count, _, ttl = await pipe.execute()
    except redis.RedisError as error:
        log.warning("rate limit %s not checked, Redis unavailable: %s", bucket, error)
        return
    _refuse_over(count, ttl, limit=limit, window_seconds=window_seconds, what=what)


def refund(bucket: str) -> None:
    """Give back one hit counted in `bucket` for an action that must not use it up; a Redis failure is only logged."""
    try:
        get_redis().decr(key("ratelimit", bucket))
    except redis.RedisError as error:
        log.warning("could not refund a hit in %s: %s", bucket, error)


async def refund_async(client: aioredis.Redis, bucket: str) -> None:
    """`refund` on the app's asyncio Redis client."""
    try:
        await client.decr(key("ratelimit", bucket))
    except redis.RedisError as error:
        log.warning("could not refund a hit in %s: %s", bucket, error)


def reset(bucket: str) -> None:
    """Empty `bucket` (a sign-in that succeeded, an admin clearing a lockout); a Redis failure is only logged."""
    try:
        get_redis().delete(key("ratelimit", bucket))
    except redis.RedisError as error:
        log.warning("could not reset %s: %s", bucket, error)


def _count(pipe: redis.client.Pipeline | aioredis.client.Pipeline, bucket: str, window_seconds: int) -> None:
    """Add counting one hit in `bucket` to a pipeline (results: the new count, the expiry set, the seconds left)."""
    redis_key = key("ratelimit", bucket)
    pipe.incr(redis_key)
    pipe.expire(redis_key, window_seconds, nx=True)
    pipe.ttl(redis_key)


def _refuse_over(count: int, ttl: int, *, limit: int, window_seconds: int, what: str) -> None:
    """Raise the 429 when `count` is over `limit`, retry after the window's remaining `ttl`."""
    if count <= limit:
        return
    retry_after = ttl if ttl > 0 else window_seconds
    REFUSALS.labels(what).inc()
    raise HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        f"too many {what}: at most {limit} per {window_seconds} s, please wait a moment",
        {"Retry-After": str(retry_after)},
    )
