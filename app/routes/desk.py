"""The agents' desk API for the queue: offers, accepting (one agent wins), declining, transfer and close."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select

from app import agent_queue, routing
from app.auth import AgentDep, Principal, SessionDep, SettingsDep
from app.availability import online_agents
from app.people.models import User
from app.realtime import publish_agent, publish_conversation, publish_desk
from handoff import flows
from handoff.models import Conversation, Handoff

router = APIRouter(prefix="/api/desk", tags=["desk"])


class Transfer(BaseModel):
    """Where a conversation goes: one named agent, or whoever has a skill."""

    agent_id: int | None = None
    skill: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")] | None = None

    @model_validator(mode="after")
    def _one_target(self) -> "Transfer":
        """Exactly one of agent_id and skill."""
        if (self.agent_id is None) == (self.skill is None):
            raise ValueError("give agent_id or skill (one of them)")
        return self


def conversation_or_404(session, conversation_id: str) -> Conversation:
    """The conversation, or 404."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no conversation {conversation_id}")
    return conversation


def held_by(agent: Principal, session, conversation_id: str) -> Conversation:
    """The conversation if this agent holds it (403 otherwise)."""
    conversation = conversation_or_404(session, conversation_id)
    if agent_queue.owner(conversation_id) != agent.user_id or conversation.state != "agent":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "you are not the agent on this conversation")
    return conversation


def _packets(session, conversation_ids: list[str]) -> dict[str, dict]:
    """The latest handoff packet of each conversation."""
    query = select(Handoff).where(Handoff.conversation_id.in_(conversation_ids)).order_by(Handoff.id)
    return {h.conversation_id: h.packet for h in session.scalars(query)}


@router.get("/queue")
def queue(agent: AgentDep, session: SessionDep) -> dict:
    """Conversations waiting for a person, in order, with why they were handed off and the packet."""
    rows = agent_queue.waiting()
    packets = _packets(session, [r["conversation_id"] for r in rows])
    offer = agent_queue.offer_of(agent.user_id)
    return {
        "waiting": [row | {"packet": packets.get(row["conversation_id"], {})} for row in rows],
        "my_offer": offer,
    }


@router.get("/mine")
def mine(agent: AgentDep, session: SessionDep) -> dict:
    """The conversations this agent holds, with their packets."""
    held = sorted(agent_queue.holding(agent.user_id))
    packets = _packets(session, held)
    return {"conversations": [{"conversation_id": c, "packet": packets.get(c, {})} for c in held]}


@router.get("/agents")
def agents(agent: AgentDep, session: SessionDep) -> dict:
    """Agents online now (to transfer to), with their skills and load."""
    online = online_agents()
    loads = agent_queue.loads(list(online))
    return {
        "agents": [
            {"id": agent_id, "name": info["name"], "skills": info["skills"], "load": loads[agent_id][0]}
            for agent_id, info in sorted(online.items())
            if agent_id != agent.user_id
        ]
    }


def _check_can_take(agent: Principal, session, conversation_id: str) -> None:
    """403 if the conversation needs a skill this agent lacks (unless widened, or offered to them)."""
    record = agent_queue.details(conversation_id)
    if agent_queue.offered_to(conversation_id) == agent.user_id or record.get("widened") == "1":
        return
    skill, target = record.get("skill", ""), record.get("target", "")
    if target and int(target) != agent.user_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this conversation was transferred to another agent")
    skills = set(session.get(User, agent.user_id).skill_list) if agent.user_id else set()
    if skill and skills and skill not in skills:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"this conversation needs the skill {skill}")


@router.post("/conversations/{conversation_id}/accept")
def accept(conversation_id: str, agent: AgentDep, session: SessionDep) -> dict:
    """Take a waiting conversation; a second agent accepting the same one gets 409."""
    conversation = conversation_or_404(session, conversation_id)
    _check_can_take(agent, session, conversation_id)
    offered = agent_queue.offered_to(conversation_id)
    if not agent_queue.claim(conversation_id, agent.user_id):
        holder = agent_queue.owner(conversation_id)
        why = "another agent accepted it first" if holder and holder != agent.user_id else "it is not waiting"
        raise HTTPException(status.HTTP_409_CONFLICT, f"you can't take this conversation: {why}")
    if offered and offered != agent.user_id:
        agent_queue.clear_offer_of(offered, conversation_id)
        publish_agent(offered, {"type": "offer_gone", "conversation_id": conversation_id})
    flows.agent_joined(
        session=session, publish=publish_conversation, conversation=conversation, agent_name=agent.display_name
    )
    publish_desk({"type": "queue"})
    return {"conversation_id": conversation_id, "state": conversation.state}


@router.post("/conversations/{conversation_id}/decline")
def decline(conversation_id: str, agent: AgentDep, settings: SettingsDep) -> dict:
    """Pass on an offer: it goes to the next agent straight away."""
    if agent_queue.offered_to(conversation_id) != agent.user_id:
        raise HTTPException(status.HTTP_409_CONFLICT, "you have no offer of this conversation")
    agent_queue.clear_offer_of(agent.user_id, conversation_id)
    return {"offered_to": routing.offer_next(conversation_id, settings)}


@router.post("/conversations/{conversation_id}/transfer")
def transfer(conversation_id: str, body: Transfer, agent: AgentDep, session: SessionDep, settings: SettingsDep) -> dict:
    """Hand the conversation to another agent or skill; it keeps its place and transcript."""
    conversation = held_by(agent, session, conversation_id)
    if body.agent_id is not None and body.agent_id not in online_agents():
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"agent_id: agent {body.agent_id} is not online")
    if body.agent_id == agent.user_id:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "agent_id: that is you")
    place = agent_queue.requeue(conversation_id, skill=body.skill, target=body.agent_id)
    where = f"a colleague who handles {body.skill}" if body.skill else "a colleague"
    flows.back_to_queue(
        session=session,
        publish=publish_conversation,
        conversation=conversation,
        text=f"{agent.display_name} is passing you to {where}; they will see everything so far.",
    )
    offered = routing.offer_next(conversation_id, settings)
    publish_desk({"type": "queue"})
    return {"state": conversation.state, "position": place, "offered_to": offered}


@router.post("/conversations/{conversation_id}/close")
def close(conversation_id: str, agent: AgentDep, session: SessionDep) -> dict:
    """End the conversation as its agent."""
    conversation = held_by(agent, session, conversation_id)
    flows.end_conversation(
        session=session,
        publish=publish_conversation,
        conversation=conversation,
        closing_text=f"{agent.display_name} closed the chat.",
    )
    agent_queue.release(conversation_id)
    return {"state": conversation.state}
