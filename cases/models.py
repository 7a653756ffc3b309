"""Tables of the case record: cases, their conversations, their append-only timeline and their emails."""

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NUMBER_PREFIX = "CS-"
NUMBER_OFFSET = 10_000


def utcnow() -> datetime:
    """The current time in UTC (timezone-aware)."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of the case tables; times are stored timezone-aware."""

    type_annotation_map = {datetime: DateTime(timezone=True)}


class Case(Base):
    """One customer problem from first contact to resolution; `version` guards against lost updates."""

    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_status_priority", "status", "priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_name: Mapped[str] = mapped_column(String(120), default="")
    customer_email: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="new")
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    channel: Mapped[str] = mapped_column(String(20), default="chat")
    language: Mapped[str | None] = mapped_column(String(8))  # the customer's, from their chat (emails go out in it)
    reason: Mapped[str | None] = mapped_column(String(40))
    tags: Mapped[list] = mapped_column(JSON, default=list)
    assignee_id: Mapped[int | None] = mapped_column(index=True)
    assignee_name: Mapped[str | None] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    origin_conversation_id: Mapped[str | None] = mapped_column(String(36), index=True)
    resolution: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    last_customer_reply_at: Mapped[datetime | None]
    first_response_due: Mapped[datetime]
    resolution_due: Mapped[datetime]
    paused_at: Mapped[datetime | None]
    first_response_breached: Mapped[bool] = mapped_column(default=False)
    resolution_breached: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def number(self) -> str:
        """The number a person reads aloud, e.g. CS-10428 (derived from the id, so it never changes)."""
        return f"{NUMBER_PREFIX}{NUMBER_OFFSET + self.id}"

    timeline: Mapped[list["CaseEvent"]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )


def case_id(number: str) -> int | None:
    """The id behind a case number, or None if the text is not one."""
    digits = number.removeprefix(NUMBER_PREFIX)
    if not number.startswith(NUMBER_PREFIX) or not digits.isdigit() or int(digits) <= NUMBER_OFFSET:
        return None
    return int(digits) - NUMBER_OFFSET


class CaseConversation(Base):
    """A conversation linked to a case (the one that created it, and any later ones)."""

    __tablename__ = "case_conversations"
    __table_args__ = (UniqueConstraint("case_id", "conversation_id", name="uq_case_conversation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[str] = mapped_column(String(36), index=True)
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseEvent(Base):
    """One entry of a case's append-only timeline; `public` entries are what the customer may see."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(60))
    actor_name: Mapped[str] = mapped_column(String(120))
    public: Mapped[bool] = mapped_column(default=False)
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="timeline")


class CaseEmail(Base):
    """An email to the case's customer: queued with the change, sent after it, retried until it goes."""

    __tablename__ = "case_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
