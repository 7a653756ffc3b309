"""Fixed-window rate limits in Redis; over the limit is a 429 with the reason."""

import logging

import redis
from fastapi import HTTPException, status

from app.redis_client import get_redis, key

log = logging.getLogger(__name__)


def enforce(*, bucket: str, limit: int, window_seconds: int, what: str) -> None:
    """Count one hit in `bucket`; raise 429 naming `what` when the window's limit is exceeded."""
    redis_key = key("ratelimit", bucket)
    pipe = get_redis().pipeline(transaction=False)
    pipe.incr(redis_key)
    pipe.expire(redis_key, window_seconds, nx=True)
    try:
        count, _ = pipe.execute()
    except redis.RedisError as error:  # a rate limiter must not turn a Redis outage into lost messages
        log.warning("rate limit %s not checked, Redis unavailable: %s", bucket, error)
        return
    if count > limit:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"too many {what}: at most {limit} per {window_seconds} s, please wait a moment",
            {"Retry-After": str(window_seconds)},
        )
