"""What the `make bench` scripts share: percentiles, a reference CPU figure, and leaving Redis as they found it."""

import statistics
import time

import redis


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
