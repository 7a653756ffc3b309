"""Tables and schemas for conversations and their messages."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, field_serializer
from sqlalchemy import JSON, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.db import as_utc
from core.inputs import RequestBody, SomeText, words
from language import SERVED

Sender = Literal["customer", "bot", "agent", "system"]
State = Literal["bot", "queued", "agent", "closed"]


def utcnow() -> datetime:
    """Return the current time in UTC (timezone-aware)."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of the conversation tables; times are stored timezone-aware."""

    type_annotation_map = {datetime: DateTime(timezone=True)}


class Conversation(Base):
    """One chat between a customer and Swarmdesk; `last_seq` numbers its messages."""

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="bot")
    last_seq: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None]
    visitor_hash: Mapped[str | None] = mapped_column(String(64), index=True)  # the widget's visitor id, hashed
    agent_id: Mapped[int | None]  # the agent who last took the conversation (a returning customer's first offer)
    # The customer's language (language.Steadied: detected and steadied over their messages), or their own choice.
    language: Mapped[str | None] = mapped_column(String(8))
    language_candidate: Mapped[str | None] = mapped_column(String(8))
    language_run: Mapped[int] = mapped_column(default=0)
    language_chosen: Mapped[str | None] = mapped_column(String(8))
    language_hint: Mapped[str | None] = mapped_column(String(8))  # the widget's language when the chat opened

    @property
    def speaks(self) -> str:
        """The language to serve this customer in: their choice, else the one detected if we serve it, else (before
        any message said enough) the widget's language when the chat opened, else English."""
        detected = self.language if self.language in SERVED else None
        return self.language_chosen or detected or (self.language_hint if self.language is None else None) or "en"


class Message(Base):
    """A message in a conversation; `seq` counts up per conversation from 1."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_seq"),
        UniqueConstraint("conversation_id", "client_ref", name="uq_messages_conversation_client_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: Mapped[int]
    sender: Mapped[str] = mapped_column(String(16))
    sender_name: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list | None] = mapped_column(JSON(none_as_null=True))
    links: Mapped[list | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    client_ref: Mapped[str | None] = mapped_column(String(40))  # the sender's own id for it: a retry is stored once


class ProblemMark(Base):
    """A customer message the agent marked as part of the problem (it becomes a question of the draft article)."""

    __tablename__ = "problem_marks"
    __table_args__ = (UniqueConstraint("conversation_id", "seq", name="uq_problem_marks_conversation_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]
    marked_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Handoff(Base):
    """A request for a person: why, the skill it needs, and the packet the agent sees."""

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    skill: Mapped[str | None] = mapped_column(String(40))
    packet: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConversationNote(Base):
    """An internal note on a conversation: staff see it, the customer never does."""

    __tablename__ = "conversation_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None]
    author_name: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Button(BaseModel):
    """A quick reply the bot offers."""

    title: str
    payload: str


class Link(BaseModel):
    """A link shown under a message."""

    title: str
    url: str


class MessageRead(BaseModel):
    """A message as clients see it."""

    id: int
    seq: int
    sender: Sender
    sender_name: str
    text: str
    buttons: list[Button] | None = None
    links: list[Link] | None = None
    created_at: datetime

    @field_serializer("created_at")
    def _utc(self, value: datetime) -> str:
        """Always send UTC with an offset (SQLite hands back naive times)."""
        return as_utc(value).isoformat()


ClientRef = Annotated[
    str | None,
    Field(
        pattern=r"^[A-Za-z0-9_-]{1,40}$",
        description="the sender's own id for a message to a person: sent again after a dropped line, it is stored once",
    ),
]


class MessageCreate(RequestBody):
    """A customer's message: free text, or a button's title plus the payload the bot offered."""

    text: SomeText = Field(description="what the customer typed or the button's title")
    payload: str | None = Field(default=None, max_length=500, description="the payload of a button the bot offered")
    ref: ClientRef = None


VisitorId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{16,64}$")]


class ConversationCreate(RequestBody):
    """A new conversation; `visitor_id` is the random id the widget keeps in this browser, so a returning visitor's
    earlier chats are found (the customer can make the browser forget it); `browser_language` the language the widget
    shows (the browser's first one Swarmdesk serves), the conversation's until a message of three words or more tells
    the customer's own."""

    visitor_id: VisitorId | None = None
    browser_language: Literal[SERVED] | None = None


class VisitorForget(RequestBody):
    """The visitor id a browser is dropping: its conversations are no longer linked to each other."""

    visitor_id: VisitorId


class ConversationCreated(BaseModel):
    """Answer to creating a conversation: its id and the customer's bearer token (shown once)."""

    conversation_id: str
    token: str


class MessagesRead(BaseModel):
    """Messages plus the conversation's current state."""

    messages: list[MessageRead]
    state: State


class AgentMessage(RequestBody):
    """What an agent sends the customer, or writes as an internal note."""

    text: words()
    ref: ClientRef = None
