"""The definitions, once: a conversation's facts from its activity rows, and its outcome (docs/analytics.md).

Outcomes exclude each other: handed_off (a person was asked for or took it), contained, recontacted, unresolved,
or pending (its recontact window is still open). `deflected` is a separate flag, the loose figure vendors report:
no handoff, no feedback, window over — it includes quiet containment and the silent failures beside it.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.activity import Activity
from core.db import as_utc

OUTCOMES = ("contained", "recontacted", "handed_off", "unresolved", "pending")
QUESTION_KINDS = ("not_found", "handoff")  # rows whose detail.question is an unanswered question
FEEDBACK = ("helpful", "not_helpful")


@dataclass
class Facts:
    """What the definitions need to know of one conversation."""

    conversation_id: str
    channel: str
    visitor: str | None  # who the customer is for recontact: their email's hash when known, else the widget visitor
    started_at: datetime
    ended_at: datetime
    article_id: str | None = None
    cluster_id: int | None = None
    answered: bool = False
    feedback: str | None = None
    touched: bool = False
    handoff_reason: str | None = None
    wait_seconds: float | None = None
    abandoned: bool = False
    handle_seconds: float | None = None
    hops: int = 0


def _seconds(start: datetime, end: datetime) -> float:
    """Seconds from one row's time to another's."""
    return (as_utc(end) - as_utc(start)).total_seconds()


def _first(rows: Sequence[Activity], kinds: tuple[str, ...], after: datetime | None = None) -> Activity | None:
    """The first row of one of `kinds` (at or after `after`, when given)."""
    return next((r for r in rows if r.kind in kinds and (after is None or as_utc(r.at) >= as_utc(after))), None)


def first_visitor(rows: Sequence[Activity]) -> str | None:
    """The first `visitor` on a conversation's rows: the widget's visitor hash, or the hash of the customer's email."""
    return next((r.visitor for r in rows if r.visitor), None)


def facts_of(rows: Sequence[Activity], clusters: dict[int, int], identities: dict[str, str] | None = None) -> Facts:
    """One conversation's facts from its rows in order; `clusters` maps question row ids to their cluster, and
    `identities` widget visitors to the hash of the email the desk knows them by (their `visitor` is then that:
    the same customer from another browser is the same visitor for recontact)."""
    # An article picked after "Did you mean…" (or the next one after a "No") is an answer row too (the bot reports
    # it as served); a Yes/No about an article also counts, for a history written before the bot reported them.
    answers = [r for r in rows if r.kind in ("answer", *FEEDBACK) and r.article_id]
    feedback = [r.kind for r in rows if r.kind in FEEDBACK]
    handoff = _first(rows, ("handoff",))
    accept = _first(rows, ("accept",), handoff.at if handoff else None)
    end = _first(rows, ("close", "hand_back"), accept.at) if accept else None
    question = next((r for r in rows if r.kind in QUESTION_KINDS and r.id in clusters), None)
    return Facts(
        conversation_id=rows[0].conversation_id,
        channel=rows[0].channel,
        visitor=(identities or {}).get(visitor, visitor) if (visitor := first_visitor(rows)) else None,
        started_at=as_utc(min(r.at for r in rows)),
        ended_at=as_utc(max(r.at for r in rows)),
        article_id=answers[-1].article_id if answers else None,
        cluster_id=clusters[question.id] if question else None,
        answered=bool(answers),
        feedback=feedback[-1] if feedback else None,
        touched=any(r.kind in ("handoff", "accept") for r in rows),
        handoff_reason=(handoff.reason or "unknown") if handoff else None,
        wait_seconds=_seconds(handoff.at, accept.at) if handoff and accept else None,
        abandoned=any(r.kind == "abandoned" for r in rows),
        handle_seconds=_seconds(accept.at, end.at) if end else None,
        hops=len({r.actor_id for r in rows if r.kind in ("accept", "transfer") and r.actor_id is not None}),
    )


def returns_with_the_same(facts: Facts, later: Facts) -> bool:
    """True when `later` asks again what `facts` asked: the same answer article or the same question cluster."""
    same_article = facts.article_id is not None and later.article_id == facts.article_id
    return same_article or (facts.cluster_id is not None and later.cluster_id == facts.cluster_id)


def recontacted(facts: Facts, others: Iterable[Facts], window: timedelta) -> bool:
    """Whether the same visitor (the same customer: see `facts_of`) started another conversation about the same
    thing within the window after it."""
    if facts.visitor is None:
        return False
    deadline = facts.ended_at + window
    return any(
        other.conversation_id != facts.conversation_id
        and other.visitor == facts.visitor
        and facts.started_at < other.started_at <= deadline
        and returns_with_the_same(facts, other)
        for other in others
    )


def outcome(facts: Facts, others: Iterable[Facts], *, now: datetime, window: timedelta) -> tuple[str, bool]:
    """The conversation's outcome and whether it counts as deflected (see the module's docstring)."""
    if facts.touched:
        return "handed_off", False
    window_over = as_utc(now) >= facts.ended_at + window
    deflected = window_over and facts.feedback is None
    if facts.answered and facts.feedback == "helpful":
        return "contained", False
    if recontacted(facts, others, window):
        return "recontacted", deflected
    if not window_over:
        return "pending", False
    if facts.answered and facts.feedback is None:
        return "contained", deflected
    return "unresolved", deflected
