"""What the `make bench` scripts share: percentiles, and leaving Redis as they found it."""

import statistics

import redis


def percentiles(samples: list[float]) -> str:
    """p50 / p99 of durations in seconds, printed in milliseconds."""
    if not samples:
        return "no samples"
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} ms   p99 {p99 * 1000:7.1f} ms"


def forget_prefix(redis_url: str, prefix: str) -> None:
    """Delete every key the bench wrote under its prefix (and nothing else)."""
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
