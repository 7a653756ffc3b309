"""The live chat's hot path: a message between a customer and the person helping them.

Every chat line in agent mode comes through here, both ways (sent over the live socket, or posted), so it takes
one request thread (from a small pool of its own: many threads fighting for the GIL cost more than they give) and
as few round trips as the database allows. On PostgreSQL one statement takes the next `seq` if the sender may
send now, stores the message and says whether a case is linked; elsewhere (SQLite) the same takes an UPDATE, an
INSERT and a COMMIT. Then one Redis pipeline counts the message against the rate limit and publishes it. A
message sent again under the same client reference is stored once. A customer's message that is not for a
person (the bot's turn, a closed chat, a wrong token) stores nothing here and takes the full path, which gives
the answer."""

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
import redis
from fastapi import HTTPException, status
from pydantic import ValidationError
from sqlalchemy import Connection, bindparam, exists, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from app import agent_queue, ratelimit
from app.auth import Principal
from app.casework import record_chat_message
from app.db import get_engine, get_session_factory
from app.realtime import conversation_channel
from app.redis_client import get_redis
from app.settings import get_settings
from cases.models import CaseConversation
from handoff import flows, service
from handoff.models import Conversation, Message, MessageRead, MessagesRead, utcnow

log = logging.getLogger(__name__)
WITH_A_PERSON = ("queued", "agent")
WINDOW_SECONDS = 60

_STORE_POSTGRES = text("""
WITH taken AS (
    UPDATE conversations SET last_seq = last_seq + 1, updated_at = :now
    WHERE id = :conversation_id AND state = ANY(:states)
      AND (CAST(:token_hash AS VARCHAR) IS NULL OR token_hash = :token_hash)
    RETURNING last_seq, state)
INSERT INTO messages (conversation_id, seq, sender, sender_name, text, created_at, client_ref)
SELECT :conversation_id, last_seq, :sender, :sender_name, :text, :now, :client_ref FROM taken
RETURNING id, seq, (SELECT state FROM taken) AS state,
    EXISTS (SELECT 1 FROM case_conversations WHERE conversation_id = :conversation_id) AS has_case
""")
_NEXT_SEQ_AND_CASE = service.NEXT_SEQ.returning(
    exists().where(CaseConversation.conversation_id == bindparam("conversation_id")).label("has_case")
)


@dataclass
class Stored:
    """A message the relay stored (or had stored before under the same client reference)."""

    message: Message
    state: str
    has_case: bool = False
    new: bool = True


async def in_thread(client: HTTPConnection, work: Callable[..., Any], *args) -> Any:
    """Run `work` with a database connection of its own on one of the relay's request threads.

    A plain connection, not an ORM session: the session's bookkeeping cost more than the statements."""

    def with_connection() -> Any:
        with get_engine().connect() as connection:
            return work(connection, *args)

    return await anyio.to_thread.run_sync(with_connection, limiter=client.app.state.relay_limiter)


def from_customer(
    connection: Connection, request: HTTPConnection, conversation_id: str, token: str, text: str, ref: str | None = None
) -> MessagesRead | None:
    """Store and publish a customer's message to a person; None, with nothing stored, when the full path must answer."""
    bucket, limit = f"messages:{conversation_id}", get_settings().messages_per_minute
    ratelimit.check(bucket=bucket, limit=limit, window_seconds=WINDOW_SECONDS, what="messages in this conversation")
    fields = {"sender": "customer", "sender_name": "You", "text": text}
    stored = _store(connection, conversation_id, WITH_A_PERSON, service.token_hash(token), ref, fields)
    if stored is None:
        return None
    if stored.has_case:
        with get_session_factory()() as session:
            record_chat_message(session, request, conversation_id=conversation_id, text=text)
    if stored.new:
        _announce(stored.message, rate_bucket=bucket)
    return MessagesRead(messages=[service.to_read(stored.message)], state=stored.state)


def from_agent(
    connection: Connection, conversation_id: str, agent: Principal, text: str, ref: str | None = None
) -> Message:
    """Store and publish the message of the agent holding the chat: 404 for an unknown chat, 403 for another agent."""
    fields = {"sender": "agent", "sender_name": agent.display_name, "text": text}
    holds = agent_queue.owner(conversation_id) == agent.user_id
    stored = _store(connection, conversation_id, ("agent",), None, ref, fields) if holds else None
    if stored is None:
        with Session(bind=connection) as session:
            if session.get(Conversation, conversation_id) is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"no conversation {conversation_id}")
        raise HTTPException(status.HTTP_403_FORBIDDEN, "you are not the agent on this conversation")
    if stored.new:
        _announce(stored.message)
    return stored.message


def _store(
    connection: Connection, conversation_id: str, states: tuple[str, ...], token_hash: str | None, ref, fields: dict
) -> Stored | None:
    """Store a message if the conversation is in one of `states` (and `token_hash` is its customer token's, when
    given); None, with nothing stored, otherwise. A message sent before under `ref` is found, not stored again."""
    try:
        if connection.dialect.name == "postgresql":
            return _store_in_one_statement(connection, conversation_id, states, token_hash, ref, fields)
        return _store_in_a_transaction(connection, conversation_id, states, token_hash, ref, fields)
    except IntegrityError:  # sent before under this ref
        connection.rollback()
        with Session(bind=connection) as session:
            state = session.get(Conversation, conversation_id).state
            return Stored(service.message_by_ref(session, conversation_id, ref), state, new=False)


def _store_in_one_statement(connection, conversation_id, states, token_hash, ref, fields) -> Stored | None:
    """PostgreSQL: one statement, committed on its own."""
    now = utcnow()
    values = {"conversation_id": conversation_id, "now": now, "states": list(states), "token_hash": token_hash}
    row = (
        connection.execution_options(isolation_level="AUTOCOMMIT")
        .execute(_STORE_POSTGRES, values | fields | {"client_ref": ref})
        .first()
    )
    if row is None:
        return None
    message = Message(id=row.id, conversation_id=conversation_id, seq=row.seq, created_at=now, client_ref=ref, **fields)
    return Stored(message, row.state, row.has_case)


def _store_in_a_transaction(connection, conversation_id, states, token_hash, ref, fields) -> Stored | None:
    """Any other database: take the seq (row-locked), check, insert, commit."""
    row = service.next_seq(connection, conversation_id, _NEXT_SEQ_AND_CASE)
    if row is None or row.state not in states or (token_hash is not None and row.token_hash != token_hash):
        connection.rollback()
        return None
    message = service.insert_message(connection, conversation_id, row.last_seq, client_ref=ref, **fields)
    connection.commit()
    return Stored(message, row.state, row.has_case)


def _announce(message: Message, *, rate_bucket: str | None = None) -> None:
    """Publish a stored message (counting it against `rate_bucket`) in one round trip; clients fetch by `seq`
    whatever a Redis failure loses, so it is logged, never raised."""
    pipe = get_redis().pipeline(transaction=False)
    if rate_bucket:
        ratelimit.count_hit(pipe, rate_bucket, WINDOW_SECONDS)
    pipe.publish(conversation_channel(message.conversation_id), json.dumps(flows.message_frame(message)))
    try:
        pipe.execute()
    except redis.RedisError as error:
        log.warning("could not publish message %s of %s: %s", message.seq, message.conversation_id, error)


async def answer_say(ref: Any, store: Awaitable[MessageRead | None]) -> dict:
    """The frame answering a message sent over a live socket: `said` with the stored message, or `refused` and why.

    A `refused` with status 409 means the chat is not with a person: the client posts the message instead."""
    try:
        message = await store
    except ValidationError as error:
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        return {"type": "refused", "ref": ref, "status": 422, "detail": detail}
    except HTTPException as error:
        return {"type": "refused", "ref": ref, "status": error.status_code, "detail": error.detail}
    if message is None:
        return {"type": "refused", "ref": ref, "status": 409, "detail": "this chat is not with a person"}
    return {"type": "said", "ref": ref, "message": message.model_dump(mode="json")}
