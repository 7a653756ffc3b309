"""What the `make bench` scripts share: percentiles, a reference CPU figure, a PostgreSQL schema of their own, and
leaving Redis as they found it."""

import statistics
import time
import uuid

import redis
from sqlalchemy import create_engine, text


def percentiles(samples: list[float]) -> str:
    """p50 / p99 of durations in seconds, printed in milliseconds."""
    if not samples:
        return "no samples"
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} ms   p99 {p99 * 1000:7.1f} ms"


def machine_speed() -> str:
    """A reference CPU figure to print beside timings: these virtual machines' speed varies by 2× from hour to hour."""
    started = time.perf_counter()
    total = 0
    for n in range(2_000_000):
        total += n
    return f"reference loop (2M additions, one core): {(time.perf_counter() - started) * 1000:.0f} ms, lower is faster"


def forget_prefix(redis_url: str, prefix: str) -> None:
    """Delete every key the bench wrote under its prefix (and nothing else)."""
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def postgres_schema(base_url: str) -> tuple[str, str]:
    """Create a schema of our own; the database URL using it and the schema's name."""
    schema = f"swarmdesk_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(base_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    return f"{base_url}?options=-csearch_path%3D{schema}", schema


def drop_schema(base_url: str, schema: str) -> None:
    """Drop the bench's schema."""
    engine = create_engine(base_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()
