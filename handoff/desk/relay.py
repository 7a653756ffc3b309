"""The live chat's hot path: a message between a customer and the person helping them.

Every chat line in agent mode comes through here, both ways (sent over the live socket, or posted), so it costs as
few round trips as the database allows: `handoff.messages.store_live` stores it (one statement on PostgreSQL, run
from the event loop) only if the sender may send now, and its listeners push it live and add a customer's line to
the linked cases; one Redis call before it counts it against the rate limit (given back if nothing was stored).
A customer's message that is not for a person (the bot's turn, a closed chat) stores nothing here: the caller
takes the bot's path."""

import logging
from collections.abc import Awaitable
from typing import Any

import anyio.to_thread
from fastapi import HTTPException, status
from pydantic import ValidationError
from starlette.requests import HTTPConnection

from core import ratelimit
from core.db import get_session_factory
from core.settings import get_settings
from handoff import messages, service
from handoff.customers import CUSTOMER
from handoff.desk import canned
from handoff.desk import queue as agent_queue
from handoff.models import Conversation, Message, MessageRead, MessagesRead
from people.auth import Principal

log = logging.getLogger(__name__)
WITH_A_PERSON = ("queued", "agent")
WINDOW_SECONDS = 60


async def from_customer(
    client: HTTPConnection, conversation_id: str, text: str, ref: str | None = None, *, token_hash: str | None = None
) -> MessagesRead | None:
    """Store and publish a customer's message to a person; None, with nothing stored, when the bot must answer.

    `token_hash` is checked in the same statement when the caller has not checked the customer's token yet."""
    bucket, limit = f"messages:{conversation_id}", get_settings().messages_per_minute
    what = "messages in this conversation"
    await ratelimit.enforce_async(_redis(client), bucket=bucket, limit=limit, window_seconds=WINDOW_SECONDS, what=what)
    fields = {"sender": "customer", "sender_name": CUSTOMER, "text": text}
    try:
        stored = await _store(client, conversation_id, WITH_A_PERSON, fields, ref, token_hash)
    except Exception:
        await ratelimit.refund_async(_redis(client), bucket)
        raise
    if stored is None or not stored.new:  # the bot's turn counts it itself; a resent ref was counted before
        await ratelimit.refund_async(_redis(client), bucket)
    if stored is None:
        return None
    return MessagesRead(messages=[service.to_read(stored.message)], state=stored.state)


async def from_agent(
    client: HTTPConnection, conversation_id: str, agent: Principal, text: str, ref: str | None = None
) -> Message:
    """Store and publish the message of the agent holding the chat: 422 while it holds a raw placeholder (every
    agent line passes here, so this is the one place that rule is kept), 404 for an unknown chat, 403 for another
    agent."""
    if raw := canned.raw_placeholders(text):
        detail = f"text: fill in {', '.join(raw)} before sending; the customer would see it as typed"
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail)
    fields = {"sender": "agent", "sender_name": agent.display_name, "text": text}
    holds = await agent_queue.owner_async(_redis(client), conversation_id) == agent.user_id
    stored = await _store(client, conversation_id, ("agent",), fields, ref) if holds else None
    if stored is None:
        if not await anyio.to_thread.run_sync(_exists, conversation_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no conversation {conversation_id}")
        raise HTTPException(status.HTTP_403_FORBIDDEN, "you are not the agent on this conversation")
    return stored.message


async def _store(client: HTTPConnection, conversation_id: str, states, fields: dict, ref, token_hash=None):
    """Store through the one writer, with this app's PostgreSQL line or relay thread pool."""
    state = client.app.state
    return await messages.store_live(
        line=state.postgres_line,
        limiter=state.relay_limiter,
        conversation_id=conversation_id,
        states=states,
        fields=fields,
        token_hash=token_hash,
        ref=ref,
    )


def _exists(conversation_id: str) -> bool:
    """True if there is such a conversation."""
    with get_session_factory()() as session:
        return session.get(Conversation, conversation_id) is not None


def _redis(client: HTTPConnection):
    """The app's asyncio Redis client."""
    return client.app.state.async_redis


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
