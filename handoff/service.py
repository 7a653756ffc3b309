"""Data functions for conversations and messages."""

import hashlib
import hmac
import secrets
import uuid

from sqlalchemy import Connection, Row, Update, bindparam, insert, select, update
from sqlalchemy.orm import Session

from handoff.models import Conversation, Message, MessageRead, utcnow


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


# The two statements behind every stored message, built once: they run for each chat line, both ways.
_conversations, _messages = Conversation.__table__, Message.__table__
NEXT_SEQ = (
    update(_conversations)
    .where(_conversations.c.id == bindparam("conversation_id"))
    .values(last_seq=_conversations.c.last_seq + 1, updated_at=bindparam("now"))
    .returning(_conversations.c.last_seq, _conversations.c.state, _conversations.c.token_hash)
)
_INSERT_MESSAGE = insert(_messages).returning(_messages.c.id)


def next_seq(session: Session | Connection, conversation_id: str, statement: Update = NEXT_SEQ) -> Row | None:
    """Take the conversation's next `seq` (row-locked until commit); with its state and token hash, None if unknown.

    `statement` may be NEXT_SEQ returning more columns."""
    return session.execute(statement, {"conversation_id": conversation_id, "now": utcnow()}).first()


def insert_message(session: Session | Connection, conversation_id: str, seq: int, **fields) -> Message:
    """Store a message under a `seq` taken by `next_seq` (not committed); the stored message."""
    message = Message(
        conversation_id=conversation_id,
        seq=seq,
        sender=fields["sender"],
        sender_name=fields["sender_name"],
        text=fields["text"],
        buttons=fields.get("buttons") or None,
        links=fields.get("links") or None,
        created_at=utcnow(),
        client_ref=fields.get("client_ref"),
    )
    values = {column.key: getattr(message, column.key) for column in _messages.columns if column.key != "id"}
    message.id = session.execute(_INSERT_MESSAGE, values).scalar_one()
    return message


def add_message(
    *,
    session: Session,
    conversation_id: str,
    sender: str,
    sender_name: str,
    text: str,
    buttons: list[dict] | None = None,
    links: list[dict] | None = None,
) -> Message:
    """Store a message under the conversation's next `seq` and commit it before returning."""
    fields = {"sender": sender, "sender_name": sender_name, "text": text, "buttons": buttons, "links": links}
    return add_messages(session=session, conversation_id=conversation_id, messages=[fields])[0]


def add_messages(*, session: Session, conversation_id: str, messages: list[dict]) -> list[Message]:
    """Store messages (each a dict of `add_message`'s fields) under consecutive `seq`s, in one commit."""
    stored = [
        insert_message(session, conversation_id, next_seq(session, conversation_id).last_seq, **fields)
        for fields in messages
    ]
    session.commit()
    return stored


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


def set_state(*, session: Session, conversation: Conversation, state: str) -> None:
    """Change the conversation's state (closing stamps `closed_at`)."""
    conversation.state = state
    if state == "closed":
        conversation.closed_at = utcnow()
    session.commit()


def to_read(message: Message) -> MessageRead:
    """Convert a stored message to what clients see."""
    return MessageRead.model_validate(message, from_attributes=True)
