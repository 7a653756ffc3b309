"""Putting a conversation in the queue for a person, when someone can take it."""

from fastapi import Request
from sqlalchemy.orm import Session

from app import agent_queue
from app.availability import why_no_agent
from app.casework import case_bus_service
from app.realtime import publish_conversation
from app.settings import Settings
from cases import Actor
from handoff import flows
from handoff.models import Conversation, utcnow
from handoff.routing import skill_for

NO_AGENT_TEXT = {
    "outside_business_hours": "Our team is offline now (outside business hours).",
    "nobody_online": "Nobody from our team is online right now.",
    "no_agent_with_skill": "Nobody who can help with this is online right now.",
    "presence_unknown": "I can't reach our team right now.",
}


def queue_for_person(
    session: Session, request: Request, settings: Settings, conversation: Conversation, reason: str, packet: dict
) -> dict:
    """Queue the conversation if someone can take it; {"status": "queued", "position"} or {"status": "no_agent"}."""
    skill = skill_for(packet)
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
    position = agent_queue.enqueue(conversation.id, skill=skill, reason=reason)
    cases = case_bus_service(session, request)
    for case in cases.cases_of_conversation(conversation.id):
        cases.record_event(case, "handoff", Actor("bot", "Virtual agent"), data={"reason": reason, "skill": skill})
    cases.commit()
    return {"status": "queued", "position": position, "skill": skill}


def person_for_customer(session: Session, request: Request, settings: Settings):
    """The chat flow's `request_person`: queue the conversation and return what to tell the customer."""

    def request_person(conversation: Conversation, reason: str) -> str:
        packet = {"summary": "The virtual assistant was unavailable; the customer asked for a person."}
        answer = queue_for_person(session, request, settings, conversation, reason, packet)
        if answer["status"] == "queued":
            return f"Connecting you with a person — you are number {answer['position']} in the queue."
        return f"{answer['text']} Please try again later, or email support@lumora.example."

    return request_person
