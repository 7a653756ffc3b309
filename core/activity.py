"""The activity record: one row for each thing that happened to a conversation, a case or a swarm.

A domain writes its row with `record(session, …)` in the same transaction as the change it records, so the
record is exactly as true as the data (Redis counters stay a cache of it). `analytics/` reads these rows; nothing
else does. Customer text never goes in here unscrubbed: `detail["question"]` is run through core.pii first.
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Float, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

# What a row can record, and what it fills in besides `at`, `conversation_id` and `channel`.
KINDS = {
    "answer": "the bot answered with an article (article_id)",
    "clarify": "the bot offered 2-3 articles (detail.offered)",
    "not_found": "the bot found nothing to say (detail.question, scrubbed)",
    "helpful": "the customer said the article helped (article_id)",
    "not_helpful": "the customer said it did not (article_id)",
    "handoff": "the conversation was handed to a person (reason; detail.question, scrubbed)",
    "offer": "a waiting conversation was offered to an agent (actor_id)",
    "offer_declined": "the agent declined the offer (actor_id)",
    "offer_timed_out": "the offer lapsed unanswered (actor_id)",
    "accept": "an agent took the conversation (actor_id; value: seconds since the handoff)",
    "abandoned": "the customer left while waiting for a person (value: seconds waited)",
    "transfer": "the holder passed the conversation to another agent (actor_id: the new holder)",
    "hand_back": "the holder gave the conversation back to the bot (actor_id)",
    "close": "the conversation was closed (actor_id when a person closed it)",
    "case_opened": "a case was opened (case_id)",
    "case_resolved": "a case was resolved (case_id, actor_id)",
    "case_reopened": "a resolved case was opened again (case_id)",
    "swarm_started": "a swarm was started (detail.swarm_id, case_id, actor_id)",
    "swarm_joined": "an expert joined a swarm (detail.swarm_id, actor_id)",
    "swarm_answer_accepted": "a swarm member's answer was accepted (detail.swarm_id, actor_id: whose answer)",
    "swarm_closed": "a swarm was closed (detail.swarm_id)",
    "survey": "a survey answer (reason: csat or ces; value: the score)",
}


def utcnow() -> datetime:
    """Return the current time in UTC (timezone-aware)."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of the activity record; times are stored timezone-aware."""

    type_annotation_map = {datetime: DateTime(timezone=True)}


class Activity(Base):
    """One thing that happened: its kind, when, and the conversation, case, person and article involved."""

    __tablename__ = "activity"
    __table_args__ = (
        Index("ix_activity_kind_at", "kind", "at"),
        Index("ix_activity_conversation_id", "conversation_id"),
        Index("ix_activity_case_id", "case_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    conversation_id: Mapped[str | None] = mapped_column(String(36))
    case_id: Mapped[int | None] = mapped_column()
    channel: Mapped[str] = mapped_column(String(16), default="chat")  # chat (the widget) or email
    visitor: Mapped[str | None] = mapped_column(String(64))  # the widget's visitor hash, or the email's hash
    actor_id: Mapped[int | None] = mapped_column()  # the staff member who acted
    article_id: Mapped[str | None] = mapped_column(String(80))
    reason: Mapped[str | None] = mapped_column(String(32))
    value: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))


def record(session: Session, kind: str, **fields: Any) -> Activity:
    """Add one row to the caller's transaction (it commits with the change it records)."""
    if kind not in KINDS:
        raise ValueError(f"unknown activity kind {kind!r}")
    row = Activity(kind=kind, **fields)
    session.add(row)
    return row
