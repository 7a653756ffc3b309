"""The live chat's hot path: a message between a customer and the person helping them.

Every chat line in agent mode comes through here, both ways (sent over the live socket, or posted), so it costs as
few round trips as the database allows and, on PostgreSQL, no request thread: one statement, run from the event
loop (`app/postgres_line.py`), takes the next `seq` if the sender may send now, stores the message and says
whether a case is linked. Elsewhere (SQLite) the same takes an UPDATE, an INSERT and a COMMIT on a thread of the
relay's small pool. Then one Redis pipeline counts the message against the rate limit and publishes it. A message
sent again under the same client reference is stored once. A customer's message that is not for a person (the
bot's turn, a closed chat, a wrong token) stores nothing here and takes the full path, which gives the answer."""

import json
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
import psycopg
import redis
from fastapi import HTTPException, status
from pydantic import ValidationError
from sqlalchemy import bindparam, exists
from sqlalchemy.exc import IntegrityError
from starlette.requests import HTTPConnection

from app import agent_queue, ratelimit
from app.auth import Principal
from app.casework import record_chat_message
from app.db import get_engine, get_session_factory
from app.realtime import conversation_channel
from app.settings import get_settings
from cases.models import CaseConversation
from handoff import flows, service
from handoff.models import Conversation, Message, MessageRead, MessagesRead, utcnow

log = logging.getLogger(__name__)
WITH_A_PERSON = ("queued", "agent")
WINDOW_SECONDS = 60

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


async def from_customer(
    client: HTTPConnection, conversation_id: str, token: str, text: str, ref: str | None = None
) -> MessagesRead | None:
    """Store and publish a customer's message to a person; None, with nothing stored, when the full path must answer."""
    bucket, limit = f"messages:{conversation_id}", get_settings().messages_per_minute
    what = "messages in this conversation"
    await ratelimit.check(_redis(client), bucket=bucket, limit=limit, window_seconds=WINDOW_SECONDS, what=what)
    fields = {"sender": "customer", "sender_name": "You", "text": text}
    stored = await _store(client, conversation_id, WITH_A_PERSON, service.token_hash(token), ref, fields)
    if stored is None:
        return None
    if stored.has_case:
        await anyio.to_thread.run_sync(_record_on_cases, client, conversation_id, text)
    if stored.new:
        await _announce(client, stored.message, rate_bucket=bucket)
    return MessagesRead(messages=[service.to_read(stored.message)], state=stored.state)


async def from_agent(
    client: HTTPConnection, conversation_id: str, agent: Principal, text: str, ref: str | None = None
) -> Message:
    """Store and publish the message of the agent holding the chat: 404 for an unknown chat, 403 for another agent."""
    fields = {"sender": "agent", "sender_name": agent.display_name, "text": text}
    holds = await agent_queue.owner_async(_redis(client), conversation_id) == agent.user_id
    stored = await _store(client, conversation_id, ("agent",), None, ref, fields) if holds else None
    if stored is None:
        if not await anyio.to_thread.run_sync(_exists, conversation_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no conversation {conversation_id}")
        raise HTTPException(status.HTTP_403_FORBIDDEN, "you are not the agent on this conversation")
    if stored.new:
        await _announce(client, stored.message)
    return stored.message


async def _store(
    client: HTTPConnection, conversation_id: str, states: tuple[str, ...], token_hash: str | None, ref, fields: dict
) -> Stored | None:
    """Store a message if the conversation is in one of `states` (and `token_hash` is its customer token's, when
    given); None, with nothing stored, otherwise. A message sent before under `ref` is found, not stored again."""
    line = client.app.state.postgres_line
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
            return Stored(message, row.state, row.has_case)
        store = _store_in_a_transaction
        return await anyio.to_thread.run_sync(
            store, conversation_id, states, token_hash, ref, fields, limiter=client.app.state.relay_limiter
        )
    except (psycopg.errors.UniqueViolation, IntegrityError):  # sent before under this ref
        return await anyio.to_thread.run_sync(_stored_before, conversation_id, ref)


def _store_in_a_transaction(conversation_id, states, token_hash, ref, fields) -> Stored | None:
    """Any database but PostgreSQL: take the seq (row-locked), check, insert, commit."""
    with get_engine().connect() as connection:
        row = service.next_seq(connection, conversation_id, _NEXT_SEQ_AND_CASE)
        if row is None or row.state not in states or (token_hash is not None and row.token_hash != token_hash):
            connection.rollback()
            return None
        message = service.insert_message(connection, conversation_id, row.last_seq, client_ref=ref, **fields)
        connection.commit()
        return Stored(message, row.state, row.has_case)


def _stored_before(conversation_id: str, ref: str) -> Stored:
    """The message stored earlier under `ref`, with the conversation's state."""
    with get_session_factory()() as session:
        state = session.get(Conversation, conversation_id).state
        return Stored(service.message_by_ref(session, conversation_id, ref), state, new=False)


def _exists(conversation_id: str) -> bool:
    """True if there is such a conversation."""
    with get_session_factory()() as session:
        return session.get(Conversation, conversation_id) is not None


def _record_on_cases(client: HTTPConnection, conversation_id: str, text: str) -> None:
    """Add the customer's line to the cases the conversation is linked to."""
    with get_session_factory()() as session:
        record_chat_message(session, client, conversation_id=conversation_id, text=text)


def _redis(client: HTTPConnection):
    """The app's asyncio Redis client."""
    return client.app.state.async_redis


async def _announce(client: HTTPConnection, message: Message, *, rate_bucket: str | None = None) -> None:
    """Publish a stored message (counting it against `rate_bucket`) in one round trip; clients fetch by `seq`
    whatever a Redis failure loses, so it is logged, never raised."""
    pipe = _redis(client).pipeline(transaction=False)
    if rate_bucket:
        ratelimit.count_hit(pipe, rate_bucket, WINDOW_SECONDS)
    pipe.publish(conversation_channel(message.conversation_id), json.dumps(flows.message_frame(message)))
    try:
        await pipe.execute()
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
