"""The live chat's hot path: a message between a customer and the person helping them, in one short transaction.

Every chat line in agent mode comes through here, both ways, so it takes one request thread (from a small pool of
its own: many threads fighting for the GIL cost more than they give) and three statements: an UPDATE takes the
next `seq` and says whether this sender may send now and whether a case is linked, an INSERT stores the message,
a COMMIT. Then the message is published. A customer's message that is not for a person (the bot's turn, a closed
chat, a wrong token) stores nothing here and takes the full path, which gives the answer."""

from collections.abc import Callable
from typing import Any

import anyio.to_thread
from fastapi import HTTPException, Request, status
from sqlalchemy import exists
from sqlalchemy.orm import Session

from app import agent_queue, ratelimit
from app.auth import Principal
from app.casework import record_chat_message
from app.db import get_session_factory
from app.realtime import publish_conversation
from app.settings import get_settings
from cases.models import CaseConversation
from handoff import flows, service
from handoff.models import Conversation, Message, MessagesRead

WITH_A_PERSON = ("queued", "agent")
_NEXT_SEQ_AND_CASE = service.NEXT_SEQ.returning(
    exists().where(CaseConversation.conversation_id == Conversation.__table__.c.id).label("has_case")
)


async def in_thread(request: Request, work: Callable[..., Any], *args) -> Any:
    """Run `work` in a session of its own on one of the relay's request threads."""

    def with_session() -> Any:
        with get_session_factory()() as session:
            return work(session, *args)

    return await anyio.to_thread.run_sync(with_session, limiter=request.app.state.relay_limiter)


def from_customer(
    session: Session, request: Request, conversation_id: str, token: str, text: str
) -> MessagesRead | None:
    """Store and publish a customer's message to a person; None, with nothing stored, when the full path must answer."""
    row = service.next_seq(session, conversation_id, _NEXT_SEQ_AND_CASE)
    if row is None or row.state not in WITH_A_PERSON or not service.token_matches(row, token):
        session.rollback()
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
        session.rollback()
        raise
    message = service.insert_message(
        session, conversation_id, row.last_seq, sender="customer", sender_name="You", text=text
    )
    if row.has_case:
        record_chat_message(session, request, conversation_id=conversation_id, text=text)
    session.commit()
    flows.announce(publish_conversation, message)
    return MessagesRead(messages=[service.to_read(message)], state=row.state)


def from_agent(session: Session, conversation_id: str, agent: Principal, text: str) -> Message:
    """Store and publish the message of the agent holding the chat: 404 for an unknown chat, 403 for another agent."""
    row = service.next_seq(session, conversation_id)
    if row is None:
        session.rollback()
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no conversation {conversation_id}")
    if row.state != "agent" or agent_queue.owner(conversation_id) != agent.user_id:
        session.rollback()
        raise HTTPException(status.HTTP_403_FORBIDDEN, "you are not the agent on this conversation")
    message = service.insert_message(
        session, conversation_id, row.last_seq, sender="agent", sender_name=agent.display_name, text=text
    )
    session.commit()
    flows.announce(publish_conversation, message)
    return message
