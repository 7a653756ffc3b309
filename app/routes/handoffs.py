"""Handoffs: the bot asks for a person (service token); an agent hands a conversation back to the bot."""

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import Field

from app.deps import AgentDep, ServiceDep, SessionDep, SettingsDep
from app.openapi import refusals
from app.refusals import desk_refusals
from core import metrics
from core.inputs import Json, RequestBody
from handoff.desk import flows as desk
from handoff.desk.queueing import queue_for_person
from handoff.models import Conversation
from handoff.packets import describe
from knowledge.vocabulary import company_words

router = APIRouter(tags=["handoff"], responses=refusals(401, 403, 409, 503))
Reason = Literal["customer_request", "low_confidence", "not_helpful", "kb_unanswerable", "bot_unavailable", "no_agent"]


class HandoffRequest(RequestBody):
    """The bot's request for a person, with the packet the agent will see."""

    conversation_id: Annotated[str, Field(max_length=36)]
    reason: Reason
    packet: dict[str, Json] = {}


@router.post("/api/bot/handoff", responses=refusals(404))
def bot_handoff(body: HandoffRequest, bot: ServiceDep, session: SessionDep, settings: SettingsDep):
    """Queue a conversation for a person; with nobody available, say why (the bot then opens a case)."""
    conversation = session.get(Conversation, body.conversation_id)
    if conversation is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no conversation {body.conversation_id}")
    if conversation.state == "closed":
        raise HTTPException(status.HTTP_409_CONFLICT, "the conversation has ended")
    packet = describe(body.packet, company_words(session))
    answer = queue_for_person(session, settings, conversation, body.reason, packet)
    metrics.HANDOFFS.labels(body.reason, answer["status"]).inc()
    return answer


@router.post("/api/conversations/{conversation_id}/hand-back")
def hand_back(conversation_id: str, request: Request, agent: AgentDep, session: SessionDep) -> dict:
    """Give the conversation this agent holds back to the bot, which starts from a clean state (403 for another's)."""
    with desk_refusals():
        conversation = desk.hand_back(session, request.app.state.rasa, agent, conversation_id)
    return {"state": conversation.state}
