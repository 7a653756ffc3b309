"""The roll-up tables analytics reads instead of the raw activity rows: one row per conversation, case, swarm and
unanswered question, the question clusters, per-day aggregates, and the refresh's watermark."""

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, Float, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.activity import utcnow


class Base(DeclarativeBase):
    """Declarative base of the analytics roll-ups; times are stored timezone-aware."""

    type_annotation_map = {datetime: DateTime(timezone=True)}


class ConversationFacts(Base):
    """One conversation as the definitions see it (docs/analytics.md), its outcome included."""

    __tablename__ = "analytics_conversations"
    __table_args__ = (
        Index("ix_analytics_conversations_day", "day", "channel"),
        Index("ix_analytics_conversations_visitor", "visitor", "started_at"),
        Index("ix_analytics_conversations_outcome", "outcome", "window_ends_at"),
    )

    conversation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    visitor: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]  # its last activity row
    day: Mapped[date] = mapped_column(Date)  # the UTC day it started
    article_id: Mapped[str | None] = mapped_column(String(80))  # the article of its last answer
    cluster_id: Mapped[int | None] = mapped_column(Integer)  # the cluster of its first unanswered question
    answered: Mapped[bool] = mapped_column(default=False)
    feedback: Mapped[str | None] = mapped_column(String(12))  # the customer's last word: helpful or not_helpful
    touched: Mapped[bool] = mapped_column(default=False)  # a handoff or accept row: a person was involved
    handoff_reason: Mapped[str | None] = mapped_column(String(32))
    wait_seconds: Mapped[float | None] = mapped_column(Float)  # first handoff → first accept after it
    abandoned: Mapped[bool] = mapped_column(default=False)
    handle_seconds: Mapped[float | None] = mapped_column(Float)  # first accept → first close or hand-back after it
    hops: Mapped[int] = mapped_column(default=0)  # distinct people who held it
    outcome: Mapped[str] = mapped_column(String(12))  # contained, recontacted, handed_off, unresolved, pending
    deflected: Mapped[bool] = mapped_column(default=False)
    window_ends_at: Mapped[datetime]


class CaseFacts(Base):
    """One case: when it was opened and first resolved, how often reopened, and whether a swarm worked on it."""

    __tablename__ = "analytics_cases"
    __table_args__ = (Index("ix_analytics_cases_resolved_day", "resolved_day", "channel"),)

    case_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolved_day: Mapped[date | None] = mapped_column(Date)
    resolution_seconds: Mapped[float | None] = mapped_column(Float)  # opened → first resolved
    reopened: Mapped[int] = mapped_column(default=0)
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    tags: Mapped[str] = mapped_column(String(200), default="")  # sorted, comma-separated
    swarmed: Mapped[bool] = mapped_column(default=False)


class SwarmFacts(Base):
    """One swarm: its case, when it started, how soon the first expert joined and how many did."""

    __tablename__ = "analytics_swarms"
    __table_args__ = (Index("ix_analytics_swarms_day", "day", "channel"),)

    swarm_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    channel: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]
    day: Mapped[date] = mapped_column(Date)
    first_expert_seconds: Mapped[float | None] = mapped_column(Float)
    experts: Mapped[int] = mapped_column(default=0)


class Question(Base):
    """An unanswered question (the scrubbed `detail.question` of a not_found or handoff row) and its cluster."""

    __tablename__ = "analytics_questions"
    __table_args__ = (
        Index("ix_analytics_questions_cluster", "cluster_id", "day"),
        Index("ix_analytics_questions_day", "day"),
    )

    activity_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    conversation_id: Mapped[str | None] = mapped_column(String(36), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    day: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    cluster_id: Mapped[int | None] = mapped_column(Integer)


class Cluster(Base):
    """Questions that mean the same: a unit centroid of their embeddings, a label, and the draft made from them."""

    __tablename__ = "analytics_clusters"

    id: Mapped[int] = mapped_column(primary_key=True)
    centroid: Mapped[bytes] = mapped_column(LargeBinary)  # float32 unit vector
    size: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(Text)  # its first question
    draft_article_id: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Daily(Base):
    """Per UTC day and channel: how many (`n`) and the sum of their values (`total`) of one metric's bucket."""

    __tablename__ = "analytics_daily"

    metric: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    bucket: Mapped[str] = mapped_column(String(80), primary_key=True)
    n: Mapped[int] = mapped_column(default=0)
    total: Mapped[float] = mapped_column(Float, default=0.0)


class RefreshState(Base):
    """How far the refresh has read the activity record (rows with a higher id are read again)."""

    __tablename__ = "analytics_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    at: Mapped[datetime] = mapped_column(default=utcnow)
