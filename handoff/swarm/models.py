"""Tables of a swarm: the swarm itself, its members (role history), invitations, room messages, guest links and the
customer-chat messages shared with its guests."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from handoff.models import Base, utcnow

MEMBER_ROLES = ("owner", "expert", "guest")
INVITATION_STATES = ("pending", "accepted", "declined", "expired")


class Swarm(Base):
    """A room working one case: its owner (the agent the customer talks to), needed skills and outcome; `reveal_all`
    shows guests the whole customer chat (scrubbed), not just the messages shared with them."""

    __tablename__ = "swarms"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(20), index=True)
    conversation_id: Mapped[str | None] = mapped_column(String(36))
    owner_id: Mapped[int]
    owner_name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(8), default="open")
    needed_skills: Mapped[list] = mapped_column(JSON, default=list)
    outcome: Mapped[str | None] = mapped_column(Text)
    last_seq: Mapped[int] = mapped_column(default=0)
    reveal_all: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_expert_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class SwarmMember(Base):
    """One stay of a person in a room with one role; leaving stamps `left_at`, rejoining adds a row."""

    __tablename__ = "swarm_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    swarm_id: Mapped[int] = mapped_column(ForeignKey("swarms.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None]
    guest_id: Mapped[int | None]
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(8))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]


class SwarmInvitation(Base):
    """An invitation to one person; pending until accepted, declined or expired."""

    __tablename__ = "swarm_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    swarm_id: Mapped[int] = mapped_column(ForeignKey("swarms.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(index=True)
    person_name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]


class SwarmMessage(Base):
    """A message in the room; `proposed` marks the proposed answer, `sent_at` when the owner sent it on."""

    __tablename__ = "swarm_messages"
    __table_args__ = (UniqueConstraint("swarm_id", "seq", name="uq_swarm_messages_swarm_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    swarm_id: Mapped[int] = mapped_column(ForeignKey("swarms.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]
    author_id: Mapped[int | None]
    author_name: Mapped[str] = mapped_column(String(120))
    author_role: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    mentions: Mapped[list] = mapped_column(JSON, default=list)
    proposed: Mapped[bool] = mapped_column(default=False)
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GuestLink(Base):
    """An outside partner's way into one room: a token (stored hashed) with an expiry; revocable."""

    __tablename__ = "swarm_guest_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    swarm_id: Mapped[int] = mapped_column(ForeignKey("swarms.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SharedChatMessage(Base):
    """A message of the customer's chat that the owner shared with the room's guests (they see it scrubbed)."""

    __tablename__ = "swarm_shared_messages"
    __table_args__ = (UniqueConstraint("swarm_id", "message_id", name="uq_swarm_shared_messages_swarm_message"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    swarm_id: Mapped[int] = mapped_column(ForeignKey("swarms.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    shared_by: Mapped[int]
    shared_at: Mapped[datetime] = mapped_column(default=utcnow)
