"""Data functions for conversations and messages."""

import hashlib
import hmac
import secrets
import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from handoff.models import Conversation, Handoff, Message, MessageRead, ProblemMark, utcnow


def token_hash(token: str) -> str:
    """Return the SHA-256 hex digest under which a customer token (or a visitor id) is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_conversation(
    *, session: Session, visitor_id: str | None = None, browser_language: str | None = None
) -> tuple[Conversation, str]:
    """Open a conversation in bot state (of a browser's visitor, in the language its widget shows, when the widget
    says); returns it with the customer's plain token."""
    token = secrets.token_urlsafe(32)
    visitor = token_hash(visitor_id) if visitor_id else None
    conversation = Conversation(
        id=str(uuid.uuid4()),
        token_hash=token_hash(token),
        state="bot",
        visitor_hash=visitor,
        language_hint=browser_language,
    )
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


class NotTheCustomers(ValueError):
    """Only a message of the customer's can be marked as the problem."""


def mark_problem(session: Session, conversation_id: str, seq: int, *, by: str, marked: bool) -> list[int]:
    """Mark (or unmark) the customer's message `seq` as part of the problem; the marked seqs. LookupError for an
    unknown message, NotTheCustomers for someone else's."""
    message = session.scalar(select(Message).where(Message.conversation_id == conversation_id, Message.seq == seq))
    if message is None:
        raise LookupError(f"no message {seq} in this conversation")
    if message.sender != "customer":
        raise NotTheCustomers(
            f"seq: message {seq} is the {message.sender}'s; only the customer's words state the problem"
        )
    mark = session.scalar(
        select(ProblemMark).where(ProblemMark.conversation_id == conversation_id, ProblemMark.seq == seq)
    )
    if marked and mark is None:
        session.add(ProblemMark(conversation_id=conversation_id, seq=seq, marked_by=by))
    elif not marked and mark is not None:
        session.delete(mark)
    session.commit()
    return problem_seqs(session, conversation_id)


def problem_seqs(session: Session, conversation_id: str) -> list[int]:
    """The seqs of the customer messages marked as the problem, in order."""
    query = select(ProblemMark.seq).where(ProblemMark.conversation_id == conversation_id).order_by(ProblemMark.seq)
    return list(session.scalars(query))


def marked_problem(session: Session, conversation_id: str) -> list[str]:
    """The texts of the customer messages marked as the problem, in the chat's order."""
    query = (
        select(Message.text)
        .join(ProblemMark, (ProblemMark.conversation_id == Message.conversation_id) & (ProblemMark.seq == Message.seq))
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.seq)
    )
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


def forget_visitor(*, session: Session, visitor_id: str) -> int:
    """Unlink a browser's conversations from its visitor id; returns how many were linked."""
    found = session.execute(
        update(Conversation).where(Conversation.visitor_hash == token_hash(visitor_id)).values(visitor_hash=None)
    )
    session.commit()
    return found.rowcount
