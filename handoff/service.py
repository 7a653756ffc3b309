"""Data functions for conversations and messages."""

import hashlib
import hmac
import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.models import Conversation, Handoff, Message, MessageRead, utcnow


def token_hash(token: str) -> str:
    """Return the SHA-256 hex digest under which a customer token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_conversation(*, session: Session) -> tuple[Conversation, str]:
    """Open a conversation in bot state; returns it with the customer's plain token."""
    token = secrets.token_urlsafe(32)
    conversation = Conversation(id=str(uuid.uuid4()), token_hash=token_hash(token), state="bot")
    session.add(conversation)
    session.commit()
    return conversation, token


def token_matches(conversation: Conversation, token: str) -> bool:
    """True if `token` is this conversation's customer token."""
    return hmac.compare_digest(conversation.token_hash, token_hash(token))


def message_by_ref(session: Session, conversation_id: str, client_ref: str) -> Message | None:
    """The message stored under the sender's own reference, if any."""
    query = select(Message).where(Message.conversation_id == conversation_id, Message.client_ref == client_ref)
    return session.scalar(query)


def messages_after(*, session: Session, conversation_id: str, after: int = 0, limit: int = 500) -> list[Message]:
    """Return the conversation's messages with `seq > after`, oldest first."""
    query = (
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.seq > after)
        .order_by(Message.seq)
        .limit(limit)
    )
    return list(session.scalars(query))


def offered_payloads(*, session: Session, conversation_id: str) -> set[str]:
    """Payloads of the buttons on the latest message that offered any (the only ones a customer may send)."""
    query = (
        select(Message.buttons)
        .where(
            Message.conversation_id == conversation_id,
            Message.sender.in_(("bot", "system")),
            Message.buttons.is_not(None),
        )
        .order_by(Message.seq.desc())
        .limit(1)
    )
    buttons = session.scalar(query) or []
    return {button["payload"] for button in buttons}


def handoff_packets(session: Session, conversation_id: str) -> list[dict]:
    """The packets of the conversation's handoffs, oldest first."""
    query = select(Handoff.packet).where(Handoff.conversation_id == conversation_id).order_by(Handoff.id)
    return list(session.scalars(query))


def recent_customer_texts(session: Session, limit: int = 200) -> list[str]:
    """The customers' latest messages (newest first), across conversations."""
    query = select(Message.text).where(Message.sender == "customer").order_by(Message.id.desc()).limit(limit)
    return list(session.scalars(query))


def set_state(*, session: Session, conversation: Conversation, state: str) -> None:
    """Change the conversation's state (closing stamps `closed_at`)."""
    conversation.state = state
    if state == "closed":
        conversation.closed_at = utcnow()
    session.commit()


def to_read(message: Message) -> MessageRead:
    """Convert a stored message to what clients see."""
    return MessageRead.model_validate(message, from_attributes=True)
