"""Putting a conversation in the queue for a person when someone can take it, and keeping the queue honest:
conversations of an agent who went offline go back to their place, customers who left are taken out."""

import logging

from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlalchemy.orm import Session

from cases import SYSTEM, Actor, CaseService
from cases.schemas import CaseCreate
from core.db import get_session_factory
from core.realtime import publish_conversation, publish_desk
from core.redis_client import get_redis, key
from core.settings import Settings
from handoff import customers, flows, service
from handoff.desk import offers as routing
from handoff.desk import queue as agent_queue
from handoff.desk.presence import customer_away, customer_seen, online_agents, why_no_agent
from handoff.models import Conversation, utcnow
from handoff.skills import skill_for, skills_by_tag

log = logging.getLogger(__name__)
EMAIL = TypeAdapter(EmailStr)
EMAIL_WANTED_SECONDS = 3600
CONNECTING_TEXT = "Connecting you with a person — you are number {position} in the queue."
EMAIL_INSTEAD_TEXT = "{why} Type your email address and I'll open a case with your messages; we'll email you."
DISCONNECTED_TEXT = (
    "Your agent was disconnected. You're back in the queue at number {place}; the next person will see everything "
    "so far."
)
LEFT_WAITING_TEXT = "The customer left while waiting for a person."

NO_AGENT_TEXT = {
    "outside_business_hours": "Our team is offline now (outside business hours).",
    "nobody_online": "Nobody from our team is online right now.",
    "no_agent_with_skill": "Nobody who can help with this is online right now.",
    "presence_unknown": "I can't reach our team right now.",
}


def queue_for_person(
    session: Session, settings: Settings, conversation: Conversation, reason: str, packet: dict
) -> dict:
    """Queue the conversation if someone can take it; {"status": "queued", "position"} or {"status": "no_agent"}."""
    skill = skill_for(packet, skills_by_tag(settings.skills_file))
    why = why_no_agent(settings, skill, utcnow())
    if why is not None:
        return {"status": "no_agent", "why": why, "text": NO_AGENT_TEXT[why]}
    flows.request_handoff(
        session=session,
        publish=publish_conversation,
        conversation=conversation,
        reason=reason,
        skill=skill,
        packet=packet | {"reason": reason},
    )
    summary, helped = packet.get("summary") or "", customers.helped_last(session, conversation.id)
    language = conversation.speaks if conversation.speaks != "en" else ""
    position = agent_queue.enqueue(
        conversation.id, skill=skill, reason=reason, summary=summary, affinity=helped, language=language
    )
    customer_seen(conversation.id, settings.customer_away_seconds)
    routing.offer_next(conversation.id, settings)
    publish_desk({"type": "queue"})
    cases = CaseService(session)
    for case in cases.cases_of_conversation(conversation.id):
        cases.record_event(case, "handoff", Actor("bot", "Virtual agent"), data={"reason": reason, "skill": skill})
    cases.commit()
    return {"status": "queued", "position": position, "skill": skill}


def person_for_customer(session: Session, settings: Settings):
    """The chat flow's `request_person`: queue the conversation and return what to tell the customer."""

    def request_person(conversation: Conversation, reason: str) -> str:
        packet = {"summary": "The virtual assistant was unavailable; the customer asked for a person."}
        answer = queue_for_person(session, settings, conversation, reason, packet)
        if answer["status"] == "queued":
            return CONNECTING_TEXT.format(position=answer["position"])
        get_redis().set(key("email-wanted", conversation.id), "1", ex=EMAIL_WANTED_SECONDS)
        return EMAIL_INSTEAD_TEXT.format(why=answer["text"])

    return request_person


def case_for_customer(session: Session):
    """The chat flow's `leave_email`: after "nobody is online", an email address opens a case holding the customer's
    messages so far; returns what to tell them (None for any other text, which stays a plain message)."""

    def leave_email(conversation: Conversation, text: str) -> str | None:
        if not get_redis().exists(key("email-wanted", conversation.id)):
            return None
        try:
            email = EMAIL.validate_python(text.strip())
        except ValidationError:
            return None
        said = service.messages_after(session=session, conversation_id=conversation.id)
        lines = [m.text for m in said if m.sender == "customer" and m.text.strip() != text.strip()]
        data = CaseCreate(customer_email=email, subject="Chat while nobody was online", description="\n\n".join(lines))
        cases = CaseService(session)
        case = cases.create(
            data, Actor("bot", "Virtual agent"), conversation_id=conversation.id, language=conversation.speaks
        )
        cases.commit()
        get_redis().delete(key("email-wanted", conversation.id))
        return f"I've opened case {case.number} with your messages; we'll email you at {email} when someone replies."

    return leave_email


def requeue_lost_agents(settings: Settings) -> int:
    """Conversations held by agents whose desk went offline go back to their place; the customer is told."""
    online = online_agents()
    moved = 0
    for agent_id, conversation_ids in agent_queue.holders().items():
        if agent_id in online:
            continue
        with get_session_factory()() as session:
            for conversation_id in conversation_ids:
                place = agent_queue.requeue(conversation_id)
                if place is None:
                    continue
                conversation = session.get(Conversation, conversation_id)
                if conversation is not None and conversation.state == "agent":
                    flows.back_to_queue(
                        session=session,
                        publish=publish_conversation,
                        conversation=conversation,
                        text=DISCONNECTED_TEXT.format(place=place),
                    )
                moved += 1
    if moved:
        publish_desk({"type": "queue"})
    return moved


def drop_away_customers(settings: Settings) -> int:
    """Customers who left while waiting leave the queue; the chat ends and its cases record it."""
    dropped = 0
    for row in agent_queue.waiting():
        conversation_id = row["conversation_id"]
        if not customer_away(conversation_id):
            continue
        agent_queue.withdraw(conversation_id)
        with get_session_factory()() as session:
            conversation = session.get(Conversation, conversation_id)
            if conversation is not None:
                flows.end_conversation(
                    session=session,
                    publish=publish_conversation,
                    conversation=conversation,
                    closing_text=LEFT_WAITING_TEXT,
                )
            cases = CaseService(session)
            for case in cases.cases_of_conversation(conversation_id):
                cases.record_event(case, "left_queue", SYSTEM, data={"conversation": conversation_id})
            cases.commit()
        dropped += 1
    if dropped:
        publish_desk({"type": "queue"})
    return dropped


def route(settings: Settings) -> int:
    """One routing round: requeue, drop, widen, then offer what waits; returns how much it changed."""
    return (
        requeue_lost_agents(settings)
        + drop_away_customers(settings)
        + routing.widen_long_waits(settings)
        + routing.offer_waiting(settings)
        + routing.announce_positions(settings)
    )
