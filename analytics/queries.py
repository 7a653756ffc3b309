"""Reading the roll-ups for a period: the per-day sums by metric and bucket, and exact percentiles."""

from collections import defaultdict
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analytics.models import Daily
from analytics.period import Period


def sums(session: Session, period: Period, *metrics: str) -> dict[str, dict[str, list]]:
    """metric → bucket → [n, total] over the period."""
    d = Daily
    query = (
        select(d.metric, d.bucket, func.sum(d.n), func.sum(d.total))
        .where(d.metric.in_(metrics), *period.where(d.day, d.channel))
        .group_by(d.metric, d.bucket)
    )
    found: dict[str, dict[str, list]] = {metric: {} for metric in metrics}
    for metric, bucket, n, total in session.execute(query):
        found[metric][bucket] = [int(n), float(total or 0)]
    return found


def count(found: dict[str, dict[str, list]], metric: str, bucket: str | None = None) -> int:
    """How many of a metric (one bucket, or all)."""
    buckets = found.get(metric, {})
    return buckets.get(bucket, [0, 0])[0] if bucket is not None else sum(n for n, _ in buckets.values())


def total(found: dict[str, dict[str, list]], metric: str) -> float:
    """The sum of a metric's values over its buckets."""
    return sum(t for _, t in found.get(metric, {}).values())


def per_day(session: Session, period: Period, metric: str) -> dict[date, dict[str, int]]:
    """day → bucket → n of one metric."""
    d = Daily
    query = (
        select(d.day, d.bucket, func.sum(d.n))
        .where(d.metric == metric, *period.where(d.day, d.channel))
        .group_by(d.day, d.bucket)
    )
    found: dict[date, dict[str, int]] = defaultdict(dict)
    for day, bucket, n in session.execute(query):
        found[day][bucket] = int(n)
    return found


def percentiles(session: Session, column, where: tuple, points: tuple[float, ...] = (0.5, 0.9)) -> list[float | None]:
    """Exact percentiles (linear between neighbours, as PostgreSQL's percentile_cont) of a column's values."""
    present = (*where, column.is_not(None))
    if session.get_bind().dialect.name == "postgresql":
        row = session.execute(select(*(func.percentile_cont(p).within_group(column) for p in points)).where(*present))
        return [None if v is None else round(float(v), 2) for v in row.one()]
    values = sorted(float(v) for v in session.scalars(select(column).where(*present)))
    if not values:
        return [None for _ in points]
    found = []
    for point in points:
        rank = point * (len(values) - 1)
        low = int(rank)
        high = min(low + 1, len(values) - 1)
        found.append(round(values[low] + (values[high] - values[low]) * (rank - low), 2))
    return found
