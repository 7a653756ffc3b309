"""The per-day sums (analytics_daily), recomputed for the days a refresh touched, from the activity rows of those
days and from the conversation, question and swarm roll-ups."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import String, case, cast, delete, func, literal_column, select
from sqlalchemy.orm import Session

from analytics.days import as_date, midnight, runs, sql_day
from analytics.models import ConversationFacts, Daily, Question, SwarmFacts
from core.activity import KINDS, Activity

# Waiting for a person: the distribution's buckets, upper bounds in seconds (the last one is open)
WAIT_BUCKETS = ((30, "< 30 s"), (60, "30 s–1 min"), (120, "1–2 min"), (300, "2–5 min"), (900, "5–15 min"))
WAIT_OVER = "≥ 15 min"
HOPS_BUCKETS = ("1", "2", "3+")


def const(value: str | int):
    """A constant written into the SQL (not a parameter), so PostgreSQL sees a grouped expression as the same."""
    return literal_column(f"'{value}'" if isinstance(value, str) else str(int(value)))


def wait_bucket(column):
    """The wait distribution's bucket of a wait in seconds, in SQL."""
    return case(*((column < const(bound), const(label)) for bound, label in WAIT_BUCKETS), else_=const(WAIT_OVER))


def _activity(session: Session, first: date, last: date):
    """Row counts and value sums by day, channel, kind and bucket (article, reason, or the person for answers)."""
    day = sql_day(session, Activity.at)
    bucket = case(
        (Activity.kind == const("swarm_answer_accepted"), cast(Activity.actor_id, String)),
        else_=func.coalesce(Activity.article_id, Activity.reason, const("")),
    )
    query = (
        select(
            day,
            Activity.channel,
            Activity.kind,
            bucket,
            func.count(),
            func.coalesce(func.sum(Activity.value), const(0)),
        )
        .where(Activity.kind.in_(KINDS), Activity.at >= midnight(first), Activity.at < midnight(last + timedelta(1)))
        .group_by(day, Activity.channel, Activity.kind, bucket)
    )
    return session.execute(query)


def _conversations(session: Session, first: date, last: date):
    """Conversation sums by start day and channel: outcomes, handoffs, waits, handle times, hops."""
    c, where = ConversationFacts, (ConversationFacts.day.between(first, last),)
    waited = c.wait_seconds.is_not(None)
    hops = case((c.hops >= const(3), const("3+")), else_=cast(c.hops, String))
    queries = (
        select(c.day, c.channel, const("conv"), const(""), func.count(), const(0)),
        select(c.day, c.channel, const("conv_outcome"), c.outcome, func.count(), const(0)).group_by(c.outcome),
        select(c.day, c.channel, const("conv_deflected"), const(""), func.count(), const(0)).where(c.deflected),
        select(c.day, c.channel, const("conv_handoff"), c.handoff_reason, func.count(), const(0))
        .where(c.handoff_reason.is_not(None))
        .group_by(c.handoff_reason),
        select(c.day, c.channel, const("conv_abandoned"), const(""), func.count(), const(0)).where(c.abandoned),
        select(
            c.day, c.channel, const("conv_wait"), wait_bucket(c.wait_seconds), func.count(), func.sum(c.wait_seconds)
        )
        .where(waited)
        .group_by(wait_bucket(c.wait_seconds)),
        select(c.day, c.channel, const("conv_handle"), const(""), func.count(), func.sum(c.handle_seconds)).where(
            c.handle_seconds.is_not(None)
        ),
        select(c.day, c.channel, const("conv_hops"), hops, func.count(), func.sum(c.hops))
        .where(c.hops > 0)
        .group_by(hops),
    )
    for query in queries:
        yield from session.execute(query.where(*where).group_by(c.day, c.channel))


def _questions(session: Session, first: date, last: date):
    """Unanswered questions by day, channel and cluster."""
    q = Question
    bucket = func.coalesce(cast(q.cluster_id, String), const(""))
    query = (
        select(q.day, q.channel, const("unanswered"), bucket, func.count(), const(0))
        .where(q.day.between(first, last))
        .group_by(q.day, q.channel, bucket)
    )
    return session.execute(query)


def _swarms(session: Session, first: date, last: date):
    """Swarms by start day and channel: how many and their experts; how many had an expert, and how soon."""
    s = SwarmFacts
    joined = s.first_expert_seconds.is_not(None)
    queries = (
        select(s.day, s.channel, const("swarm_experts"), const(""), func.count(), func.sum(s.experts)),
        select(
            s.day, s.channel, const("swarm_first_expert"), const(""), func.count(), func.sum(s.first_expert_seconds)
        ).where(joined),
    )
    for query in queries:
        yield from session.execute(query.where(s.day.between(first, last)).group_by(s.day, s.channel))


def recompute(session: Session, days: Iterable[date]) -> int:
    """Replace the sums of `days` with what the rows say now; returns how many days."""
    touched = runs(days)
    for first, last in touched:
        session.execute(delete(Daily).where(Daily.day.between(first, last)))
        sums: dict[tuple, list] = defaultdict(lambda: [0, 0.0])
        for source in (_activity, _conversations, _questions, _swarms):
            for day, channel, metric, bucket, n, total in source(session, first, last):
                entry = sums[(metric, as_date(day), channel, str(bucket or "")[:80])]
                entry[0] += int(n)
                entry[1] += float(total or 0)
        fields = ("metric", "day", "channel", "bucket", "n", "total")
        rows = [dict(zip(fields, (*key, n, total), strict=True)) for key, (n, total) in sums.items()]
        for start in range(0, len(rows), 5000):
            session.execute(Daily.__table__.insert(), rows[start : start + 5000])
    return sum((last - first).days + 1 for first, last in touched)
