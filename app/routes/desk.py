"""The agents' desk API: the queue, accepting a conversation (one agent wins), chatting, closing."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, StringConstraints
from sqlalchemy import select

from app import agent_queue
from app.auth import AgentDep, SessionDep, SettingsDep
from app.realtime import publish_conversation
from handoff import flows, service
from handoff.models import Conversation, Handoff, MessagesRead

router = APIRouter(prefix="/api/desk", tags=["desk"])


class AgentMessage(BaseModel):
    """What an agent sends the customer."""

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _conversation(session, conversation_id: str) -> Conversation:
    """The conversation, or 404."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no conversation {conversation_id}")
    return conversation


def _held_by(agent, session, conversation_id: str) -> Conversation:
    """The conversation if this agent holds it (403 otherwise)."""
    conversation = _conversation(session, conversation_id)
    if agent_queue.owner(conversation_id) != agent.user_id or conversation.state != "agent":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "you are not the agent on this conversation")
    return conversation


@router.get("/queue")
def queue(agent: AgentDep, session: SessionDep) -> dict:
    """Conversations waiting for a person, in order, with why they were handed off and the packet."""
    rows = agent_queue.waiting()
    packets = {
        h.conversation_id: h
        for h in session.scalars(
            select(Handoff).where(Handoff.conversation_id.in_([r["conversation_id"] for r in rows]))
        )
    }
    return {
        "waiting": [
            row | {"packet": packets[row["conversation_id"]].packet if row["conversation_id"] in packets else {}}
            for row in rows
        ]
    }


@router.post("/conversations/{conversation_id}/accept")
def accept(conversation_id: str, agent: AgentDep, session: SessionDep) -> dict:
    """Take a waiting conversation; a second agent accepting the same one gets 409."""
    conversation = _conversation(session, conversation_id)
    if not agent_queue.claim(conversation_id, agent.user_id):
        holder = agent_queue.owner(conversation_id)
        why = "another agent accepted it first" if holder and holder != agent.user_id else "it is not waiting"
        raise HTTPException(status.HTTP_409_CONFLICT, f"you can't take this conversation: {why}")
    flows.agent_joined(
        session=session, publish=publish_conversation, conversation=conversation, agent_name=agent.display_name
    )
    return {"conversation_id": conversation_id, "state": conversation.state}


@router.get("/conversations/{conversation_id}/messages")
def transcript(
    conversation_id: str, agent: AgentDep, session: SessionDep, after: Annotated[int, Query(ge=0)] = 0
) -> MessagesRead:
    """The whole conversation after `after`, bot turns included (any agent may read a handed-off chat)."""
    conversation = _conversation(session, conversation_id)
    messages = service.messages_after(session=session, conversation_id=conversation_id, after=after)
    return MessagesRead(messages=[service.to_read(m) for m in messages], state=conversation.state)


@router.post("/conversations/{conversation_id}/messages")
def send(conversation_id: str, body: AgentMessage, agent: AgentDep, session: SessionDep, settings: SettingsDep):
    """Send the customer a message as the agent who holds the conversation."""
    if len(body.text) > settings.max_message_chars:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"text: over the limit of {settings.max_message_chars}")
    conversation = _held_by(agent, session, conversation_id)
    message = flows.agent_says(
        session=session,
        publish=publish_conversation,
        conversation=conversation,
        agent_name=agent.display_name,
        text=body.text,
    )
    return service.to_read(message)


@router.post("/conversations/{conversation_id}/close")
def close(conversation_id: str, agent: AgentDep, session: SessionDep) -> dict:
    """End the conversation as its agent."""
    conversation = _held_by(agent, session, conversation_id)
    flows.end_conversation(
        session=session,
        publish=publish_conversation,
        conversation=conversation,
        closing_text=f"{agent.display_name} closed the chat.",
    )
    agent_queue.release(conversation_id)
    return {"state": conversation.state}
