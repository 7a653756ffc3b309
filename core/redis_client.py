"""Redis clients (sync for request handlers, asyncio for WebSocket fan-out)."""

from functools import lru_cache

import redis
import redis.asyncio as aioredis

from core.settings import get_settings


@lru_cache
def get_redis() -> redis.Redis:
    """Return the process-wide synchronous Redis client."""
    return redis.Redis.from_url(get_settings().redis_url, decode_responses=True, socket_timeout=5)


def make_async_redis() -> aioredis.Redis:
    """Create an asyncio Redis client; the app makes one per event loop, in its lifespan.

    Its pool makes a caller wait for a free connection (up to 10 s) rather than fail: hundreds of chat lines in
    flight at once would otherwise find all 100 in use and lose their publish."""
    pool = aioredis.BlockingConnectionPool.from_url(
        get_settings().redis_url, decode_responses=True, max_connections=100, timeout=10
    )
    return aioredis.Redis.from_pool(pool)  # closes the pool with the client


def key(*parts: str) -> str:
    """Build a Redis key or channel name under the configured prefix."""
    return ":".join((get_settings().redis_prefix, *parts))
