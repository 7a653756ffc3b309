"""The one writer of chat messages: every message of any sender is stored here, then `message.stored` is emitted.

A message is written to the database (committed) before anyone hears of it; listeners (app/listeners/) push it to
live clients and add a customer's line to the cases of the conversation. Two entry points share the rules:
`store` for callers on a request or scheduler thread (a bot turn, a system notice, a swarm owner's reply), and
`store_live` for the live relay on the event loop, whose fast path on PostgreSQL is one statement that takes the
next `seq` only while the sender may send, stores the message and says whether a case is linked. Elsewhere
(SQLite) the same takes an UPDATE, an INSERT and a COMMIT on a thread of the relay's small pool. A message sent
again under the same client reference is stored once."""

from dataclasses import dataclass

import anyio
import anyio.to_thread
import psycopg
from sqlalchemy import Connection, Row, Update, bindparam, exists, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cases.models import CaseConversation
from core.db import get_engine, get_session_factory
from core.events import bus
from core.postgres_line import PostgresLine
from handoff import service
from handoff.models import Conversation, Message, utcnow
from language.catalog import translate

STORED = "message.stored"
TRANSLATED = {"bot", "system"}  # the senders whose words come from our catalog

_conversations, _messages = Conversation.__table__, Message.__table__
_NEXT_SEQ = (
    update(_conversations)
    .where(_conversations.c.id == bindparam("conversation_id"))
    .values(last_seq=_conversations.c.last_seq + 1, updated_at=bindparam("now"))
    .returning(_conversations.c.last_seq, _conversations.c.state, _conversations.c.token_hash)
)
_NEXT_SEQ_AND_CASE = _NEXT_SEQ.returning(
    exists().where(CaseConversation.conversation_id == bindparam("conversation_id")).label("has_case")
)
_INSERT = insert(_messages).returning(_messages.c.id)
_STORE_POSTGRES = """
WITH taken AS (
    UPDATE conversations SET last_seq = last_seq + 1, updated_at = %(now)s
    WHERE id = %(conversation_id)s AND state = ANY(%(states)s)
      AND (%(token_hash)s::varchar IS NULL OR token_hash = %(token_hash)s)
    RETURNING last_seq, state)
INSERT INTO messages (conversation_id, seq, sender, sender_name, text, created_at, client_ref)
SELECT %(conversation_id)s, last_seq, %(sender)s, %(sender_name)s, %(text)s, %(now)s, %(client_ref)s FROM taken
RETURNING id, seq, (SELECT state FROM taken) AS state,
    EXISTS (SELECT 1 FROM case_conversations WHERE conversation_id = %(conversation_id)s) AS has_case
"""


@dataclass
class Stored:
    """A message the live path stored (or had stored before under the same client reference)."""

    message: Message
    state: str
    has_case: bool = False
    new: bool = True


def _insert(connection: Session | Connection, conversation_id: str, seq: int, fields: dict) -> Message:
    """Insert a message under a `seq` already taken (not committed); the stored message."""
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
    message.id = connection.execute(_INSERT, values).scalar_one()
    return message


def _in(language: str, fields: dict) -> dict:
    """A bot or system message's text and its buttons' and links' titles in `language` (others as they are)."""
    if language == "en" or fields["sender"] not in TRANSLATED:
        return fields

    def titled(items: list[dict] | None) -> list[dict] | None:
        return [item | {"title": translate(item["title"], language)} for item in items] if items else items

    text = translate(fields["text"], language)
    return fields | {"text": text, "buttons": titled(fields.get("buttons")), "links": titled(fields.get("links"))}


def _next_seq(connection: Session | Connection, conversation_id: str, statement: Update = _NEXT_SEQ) -> Row | None:
    """Take the conversation's next `seq` (row-locked until commit), with its state; None if unknown."""
    return connection.execute(statement, {"conversation_id": conversation_id, "now": utcnow()}).first()


def store(*, session: Session, conversation_id: str, messages: list[dict]) -> list[Message]:
    """Store messages (each {"sender", "sender_name", "text", "buttons"?, "links"?}) under consecutive `seq`s in
    one commit, then emit `message.stored` for each. The bot's and Swarmdesk's own are stored as the customer reads
    them: in the conversation's language (`language.catalog`)."""
    conversation = session.get(Conversation, conversation_id)
    language = conversation.speaks if conversation is not None else "en"
    stored, has_case = [], False
    for fields in messages:
        taken = _next_seq(session, conversation_id, _NEXT_SEQ_AND_CASE)
        stored.append(_insert(session, conversation_id, taken.last_seq, _in(language, fields)))
        has_case = taken.has_case
    session.commit()
    for message in stored:
        bus.emit(STORED, message=message, has_case=bool(has_case))
    return stored


async def store_live(
    *,
    line: PostgresLine | None,
    limiter: anyio.CapacityLimiter,
    conversation_id: str,
    states: tuple[str, ...],
    fields: dict,
    token_hash: str | None = None,
    ref: str | None = None,
) -> Stored | None:
    """Store one message from the event loop if the conversation is in one of `states` (and `token_hash` is its
    customer token's, when given), then emit `message.stored`; None, with nothing stored, otherwise."""
    try:
        if line is not None:
            now = utcnow()
            values = {"conversation_id": conversation_id, "now": now, "states": list(states), "token_hash": token_hash}
            row = await line.fetch_one(_STORE_POSTGRES, values | fields | {"client_ref": ref})
            if row is None:
                return None
            message = Message(
                id=row.id, conversation_id=conversation_id, seq=row.seq, created_at=now, client_ref=ref, **fields
            )
            stored = Stored(message, row.state, row.has_case)
        else:
            stored = await anyio.to_thread.run_sync(
                _store_in_a_transaction, conversation_id, states, token_hash, ref, fields, limiter=limiter
            )
            if stored is None:
                return None
    except (psycopg.errors.UniqueViolation, IntegrityError):  # sent before under this ref
        return await anyio.to_thread.run_sync(_stored_before, conversation_id, ref)
    await bus.emit_live(STORED, message=stored.message, has_case=stored.has_case)
    return stored


def _store_in_a_transaction(conversation_id, states, token_hash, ref, fields) -> Stored | None:
    """Any database but PostgreSQL: take the seq (row-locked), check, insert, commit."""
    with get_engine().connect() as connection:
        row = _next_seq(connection, conversation_id, _NEXT_SEQ_AND_CASE)
        if row is None or row.state not in states or (token_hash is not None and row.token_hash != token_hash):
            connection.rollback()
            return None
        message = _insert(connection, conversation_id, row.last_seq, fields | {"client_ref": ref})
        connection.commit()
        return Stored(message, row.state, row.has_case)


def _stored_before(conversation_id: str, ref: str) -> Stored:
    """The message stored earlier under `ref`, with the conversation's state."""
    with get_session_factory()() as session:
        state = session.get(Conversation, conversation_id).state
        return Stored(service.message_by_ref(session, conversation_id, ref), state, new=False)


def frame(message: Message) -> dict:
    """The live frame carrying a stored message."""
    return {"type": "message", "message": service.to_read(message).model_dump(mode="json")}
