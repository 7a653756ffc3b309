"""Drill-down: the conversations or cases behind one point of a chart, newest first, a page at a time; and the
activity rows of one conversation or case, for its record."""

from datetime import timedelta
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analytics.daily import WAIT_BUCKETS, WAIT_OVER, wait_bucket
from analytics.days import midnight
from analytics.figures import SCALES
from analytics.models import CaseFacts, ConversationFacts, Question, SwarmFacts
from analytics.outcomes import OUTCOMES
from analytics.period import Period
from cases.models import NUMBER_OFFSET, NUMBER_PREFIX, Case, CaseConversation
from core.activity import Activity
from core.db import as_utc

PAGE = 50
Metric = Literal[
    "outcome", "deflected", "handoff", "wait", "abandoned", "unanswered", "article", "survey", "swarm", "resolution",
    "reopened",
]  # fmt: skip
NAMED_BUCKETS = {"outcome": OUTCOMES, "wait": (*(label for _, label in WAIT_BUCKETS), WAIT_OVER)}
NEEDS_BUCKET = {"outcome", "handoff", "wait", "unanswered", "article", "survey", "resolution"}


class BadBucket(ValueError):
    """The bucket does not fit the metric (the API answers 422 naming `bucket`)."""


def _conversations(period: Period, metric: str, bucket: str):
    """The query of the conversations behind a conversation metric's point."""
    c = ConversationFacts
    where = [*period.where(c.day, c.channel)]
    if metric in NAMED_BUCKETS and bucket not in NAMED_BUCKETS[metric]:
        raise BadBucket(f"bucket: one of {', '.join(NAMED_BUCKETS[metric])}")
    if metric == "unanswered":
        if not (bucket.isascii() and bucket.isdigit()):  # "²" is a digit to isdigit() but no number to int()
            raise BadBucket("bucket: a cluster id (a number)")
        q = Question
        asked = select(q.conversation_id).where(q.cluster_id == int(bucket), *period.where(q.day, q.channel))
        where.append(c.conversation_id.in_(asked))
    else:
        where.append({
            "outcome": c.outcome == bucket, "deflected": c.deflected, "handoff": c.handoff_reason == bucket,
            "wait": wait_bucket(c.wait_seconds) == bucket, "abandoned": c.abandoned, "article": c.article_id == bucket,
        }[metric])  # fmt: skip
    return select(c).where(*where).order_by(c.started_at.desc(), c.conversation_id)


def _cases(period: Period, metric: str, bucket: str):
    """The query of the cases behind a case metric's point."""
    k = CaseFacts
    if metric == "swarm":
        s = SwarmFacts
        return (
            select(k)
            .where(k.case_id.in_(select(s.case_id).where(*period.where(s.day, s.channel))))
            .order_by(k.case_id.desc())
        )
    where = [*period.where(k.resolved_day, k.channel)]
    if metric == "reopened":
        where.append(k.reopened > 0)
    else:  # resolution: "swarm|<priority>|<tags>" or "no_swarm|<priority>|<tags>"
        parts = bucket.split("|")
        if len(parts) != 3 or parts[0] not in ("swarm", "no_swarm"):
            raise BadBucket("bucket: swarm|<priority>|<tags> or no_swarm|<priority>|<tags>")
        where += [k.swarmed == (parts[0] == "swarm"), k.priority == parts[1], k.tags == parts[2]]
        where.append(k.resolution_seconds.is_not(None))
    return select(k).where(*where).order_by(k.resolved_at.desc(), k.case_id)


def _answers(period: Period, bucket: str):
    """The query of the survey answers behind a survey average: its rows in the period, as the average counts them."""
    if bucket not in SCALES:
        raise BadBucket("bucket: csat or ces")
    a = Activity
    where = [a.kind == "survey", a.reason == bucket]
    where += [a.at >= midnight(period.start), a.at < midnight(period.end + timedelta(days=1))]
    if period.channel != "all":
        where.append(a.channel == period.channel)
    return select(a).where(*where).order_by(a.at.desc(), a.id.desc())


def _names(session: Session, conversation_ids: list[str]) -> dict[str, str]:
    """Conversation → the customer's name on its case, where one was given."""
    if not conversation_ids:
        return {}
    link = CaseConversation
    query = (
        select(link.conversation_id, Case.customer_name)
        .join(Case, Case.id == link.case_id)
        .where(link.conversation_id.in_(conversation_ids), Case.customer_name != "")
    )
    return dict(session.execute(query).all())


def page_of(session: Session, period: Period, metric: str, bucket: str, page: int) -> dict:
    """One page of the conversations or cases behind a point: id, when, customer, outcome and a link."""
    if metric in NEEDS_BUCKET and not bucket:
        raise BadBucket(f"bucket: {metric} needs one")
    on_cases = metric in ("swarm", "resolution", "reopened")
    if metric == "survey":
        query = _answers(period, bucket)
    else:
        query = _cases(period, metric, bucket) if on_cases else _conversations(period, metric, bucket)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = list(session.scalars(query.offset((page - 1) * PAGE).limit(PAGE)))
    if metric == "survey":
        items = _answer_items(session, rows)
    elif on_cases:
        cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_([r.case_id for r in rows])))}
        items = [_case_item(row, cases.get(row.case_id)) for row in rows]
    else:
        names = _names(session, [r.conversation_id for r in rows])
        items = [_conversation_item(row, names.get(row.conversation_id)) for row in rows]
    return {"metric": metric, "bucket": bucket, "page": page, "page_size": PAGE, "total": total, "items": items}


def _conversation_ref(conversation_id: str, name: str | None) -> dict:
    """A conversation's id, customer and link, as the drill-down lists them."""
    link = f"/analytics/conversations/{conversation_id}"
    return {"kind": "conversation", "id": conversation_id, "customer": name or "visitor", "link": link}


def _conversation_item(row: ConversationFacts, name: str | None) -> dict:
    """A conversation as the drill-down lists it."""
    when = as_utc(row.started_at).isoformat()
    return _conversation_ref(row.conversation_id, name) | {"when": when, "channel": row.channel, "outcome": row.outcome}


def _case_ref(case_id: int, case: Case | None) -> dict:
    """A case's number, customer and link, as the drill-down lists them."""
    number = case.number if case else f"{NUMBER_PREFIX}{NUMBER_OFFSET + case_id}"
    customer = (case.customer_name if case else "") or "visitor"
    return {"kind": "case", "id": number, "customer": customer, "link": f"/analytics/cases/{number}"}


def _case_item(row: CaseFacts, case: Case | None) -> dict:
    """A case as the drill-down lists it."""
    when = row.resolved_at or row.opened_at
    return _case_ref(row.case_id, case) | {
        "when": as_utc(when).isoformat() if when else None, "channel": row.channel,
        "outcome": "resolved" if row.resolved_at else "open",
    }  # fmt: skip


def _answer_items(session: Session, rows: list[Activity]) -> list[dict]:
    """Survey answers as the drill-down lists them: the case an email's survey was about, else the chat."""
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_({r.case_id for r in rows} - {None})))}
    names = _names(session, [r.conversation_id for r in rows if r.case_id is None and r.conversation_id])
    items = []
    for row in rows:
        if row.case_id is None:
            about = _conversation_ref(row.conversation_id, names.get(row.conversation_id))
        else:
            about = _case_ref(row.case_id, cases.get(row.case_id))
        score = f"{row.reason} {row.value:g}"
        items.append(about | {"when": as_utc(row.at).isoformat(), "channel": row.channel, "outcome": score})
    return items


def activity_rows(
    session: Session, *, conversation_id: str | None = None, case_id: int | None = None
) -> list[Activity]:
    """The activity rows of one conversation, or of one case, in time order."""
    one = Activity.case_id == case_id if conversation_id is None else Activity.conversation_id == conversation_id
    return list(session.scalars(select(Activity).where(one).order_by(Activity.at)))
