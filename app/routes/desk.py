"""The agents' desk API for the queue: offers, accepting (one agent wins), declining, transfer and close."""

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select

from app.deps import AgentDep, SessionDep, SettingsDep
from app.refusals import desk_refusals
from handoff.desk import flows as desk
from handoff.desk import queue as agent_queue
from handoff.desk.presence import online_agents
from handoff.models import Handoff

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


@router.post("/conversations/{conversation_id}/accept")
def accept(conversation_id: str, agent: AgentDep, session: SessionDep) -> dict:
    """Take a waiting conversation; a second agent accepting the same one gets 409."""
    with desk_refusals():
        conversation = desk.accept(session, agent, conversation_id)
    return {"conversation_id": conversation_id, "state": conversation.state}


@router.post("/conversations/{conversation_id}/decline")
def decline(conversation_id: str, agent: AgentDep, settings: SettingsDep) -> dict:
    """Pass on an offer: it goes to the next agent straight away."""
    with desk_refusals():
        return {"offered_to": desk.decline(settings, agent, conversation_id)}


@router.post("/conversations/{conversation_id}/transfer")
def transfer(conversation_id: str, body: Transfer, agent: AgentDep, session: SessionDep, settings: SettingsDep) -> dict:
    """Hand the conversation to another agent or skill; it keeps its place and transcript."""
    with desk_refusals():
        conversation, place, offered = desk.transfer(
            session, settings, agent, conversation_id, to_agent=body.agent_id, skill=body.skill
        )
    return {"state": conversation.state, "position": place, "offered_to": offered}


@router.post("/conversations/{conversation_id}/close")
def close(conversation_id: str, agent: AgentDep, session: SessionDep) -> dict:
    """End the conversation as its agent."""
    with desk_refusals():
        conversation = desk.close(session, agent, conversation_id)
    return {"state": conversation.state}
