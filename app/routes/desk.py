"""The agents' desk API for the queue: offers, accepting (one agent wins), declining, transfer and close."""

from typing import Annotated

from fastapi import APIRouter
from pydantic import ConfigDict, Field, model_validator
from sqlalchemy import select

from app.deps import AgentDep, SessionDep, SettingsDep
from app.openapi import refusals
from app.refusals import desk_refusals
from core.inputs import RequestBody
from handoff import customers
from handoff.desk import flows as desk
from handoff.desk import queue as agent_queue
from handoff.desk.presence import online_agents
from handoff.models import Handoff
from language import NAMES

router = APIRouter(prefix="/api/desk", tags=["desk"], responses=refusals(401, 403, 409, 503))


class Transfer(RequestBody):
    """Where a conversation goes: one named agent, or whoever has a skill (exactly one of the two)."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1, "maxProperties": 1})

    agent_id: Annotated[int, Field(default=None)]
    skill: Annotated[str, Field(default=None, pattern=r"^[a-z][a-z0-9_-]{0,39}$")]

    @model_validator(mode="after")
    def _one_target(self) -> "Transfer":
        """Exactly one of agent_id and skill."""
        if (self.agent_id is None) == (self.skill is None):
            raise ValueError("give agent_id or skill (one of them)")
        return self


def _described(session, rows: list[dict]) -> list[dict]:
    """Each conversation row with its latest handoff packet, who the customer is and what the chat is about."""
    ids = [row["conversation_id"] for row in rows]
    query = select(Handoff).where(Handoff.conversation_id.in_(ids)).order_by(Handoff.id)
    packets = {h.conversation_id: h.packet for h in session.scalars(query)}
    names = customers.labels(session, ids)
    return [
        row
        | {"packet": packets.get(c, {}), "customer": names[c], "title": customers.title(packets.get(c))}
        | {"language_name": NAMES.get(row.get("language", ""), "")}
        for row, c in zip(rows, ids, strict=True)
    ]


@router.get("/queue")
def queue(agent: AgentDep, session: SessionDep) -> dict:
    """Conversations waiting for a person, in order, with why they were handed off and the packet."""
    rows = agent_queue.waiting()
    offer = agent_queue.offer_of(agent.user_id)
    return {"waiting": _described(session, rows), "my_offer": offer}


@router.get("/mine")
def mine(agent: AgentDep, session: SessionDep) -> dict:
    """The conversations this agent holds, with their packets."""
    held = sorted(agent_queue.holding(agent.user_id))
    return {"conversations": _described(session, [{"conversation_id": c} for c in held])}


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
