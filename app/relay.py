"""The live chat's hot path: a message between a customer and the person helping them, in one short transaction.

Every chat line in agent mode comes through here, both ways (sent over the live socket, or posted), so it takes one
request thread (from a small pool of its own: many threads fighting for the GIL cost more than they give) and
three statements: an UPDATE takes the next `seq` and says whether this sender may send now and whether a case is
linked, an INSERT stores the message, a COMMIT. Then the message is published. A message sent again under the same
client reference is stored once. A customer's message that is not for a person (the bot's turn, a closed chat, a
wrong token) stores nothing here and takes the full path, which gives the answer."""

from collections.abc import Awaitable, Callable
from typing import Any

import anyio.to_thread
from fastapi import HTTPException, status
from pydantic import ValidationError
from sqlalchemy import Connection, Row, bindparam, exists
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from app import agent_queue, ratelimit
from app.auth import Principal
from app.casework import record_chat_message
from app.db import get_engine
from app.realtime import publish_conversation
from app.settings import get_settings
from cases.models import CaseConversation
from handoff import flows, service
from handoff.models import Message, MessageRead, MessagesRead

WITH_A_PERSON = ("queued", "agent")
_NEXT_SEQ_AND_CASE = service.NEXT_SEQ.returning(
    exists().where(CaseConversation.conversation_id == bindparam("conversation_id")).label("has_case")
)


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
    row = service.next_seq(connection, conversation_id, _NEXT_SEQ_AND_CASE)
    if row is None or row.state not in WITH_A_PERSON or not service.token_matches(row, token):
        connection.rollback()
        return None
    settings = get_settings()
    try:
        ratelimit.enforce(
            bucket=f"messages:{conversation_id}",
            limit=settings.messages_per_minute,
            window_seconds=60,
            what="messages in this conversation",
        )
    except HTTPException:
        connection.rollback()
        raise
    message = _store(
        connection, row, conversation_id, ref, sender="customer", sender_name="You", text=text, request=request
    )
    return MessagesRead(messages=[service.to_read(message)], state=row.state)


def from_agent(
    connection: Connection, conversation_id: str, agent: Principal, text: str, ref: str | None = None
) -> Message:
    """Store and publish the message of the agent holding the chat: 404 for an unknown chat, 403 for another agent."""
    row = service.next_seq(connection, conversation_id)
    if row is None:
        connection.rollback()
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no conversation {conversation_id}")
    if row.state != "agent" or agent_queue.owner(conversation_id) != agent.user_id:
        connection.rollback()
        raise HTTPException(status.HTTP_403_FORBIDDEN, "you are not the agent on this conversation")
    return _store(connection, row, conversation_id, ref, sender="agent", sender_name=agent.display_name, text=text)


def _store(
    connection: Connection,
    row: Row,
    conversation_id: str,
    ref: str | None,
    *,
    request: HTTPConnection | None = None,
    **fields,
) -> Message:
    """Insert under the taken seq, add a customer's line to linked cases, commit and publish; a known ref's message."""
    try:
        message = service.insert_message(connection, conversation_id, row.last_seq, client_ref=ref, **fields)
    except IntegrityError:  # sent before under this ref: that message, stored and published once
        connection.rollback()
        with Session(bind=connection) as session:
            return service.message_by_ref(session, conversation_id, ref)
    connection.commit()
    if request is not None and getattr(row, "has_case", False):
        with Session(bind=connection) as session:
            record_chat_message(session, request, conversation_id=conversation_id, text=fields["text"])
    flows.announce(publish_conversation, message)
    return message


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
