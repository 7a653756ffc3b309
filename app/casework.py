"""Wiring of the case record into the app: the case service per request, and what case events set off."""

import logging
import threading
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from app.auth import Principal, SessionDep
from app.db import get_session_factory
from app.realtime import publish_conversation
from app.settings import Settings
from cases import (
    CREATED,
    PUBLIC_UPDATE,
    RESOLVED,
    Actor,
    CaseNotFound,
    CaseService,
    DomainEvent,
    EventBus,
    SlaPolicy,
    TooLarge,
    TransitionError,
    VersionConflict,
)
from cases.emails import deliver_due
from cases.models import utcnow
from handoff.flows import post_system_message
from mail import make_mailer

log = logging.getLogger(__name__)


def sla_policy(settings: Settings) -> SlaPolicy:
    """The service-level targets from settings."""
    return SlaPolicy(settings.sla_first_response_minutes, settings.sla_resolution_minutes)


def deliver_emails(settings: Settings) -> int:
    """Send the customer emails that are due (new ones now, failed ones on their retry schedule)."""
    mailer = make_mailer(settings)
    with get_session_factory()() as session:
        return deliver_due(session, mailer.send, utcnow())


def build_case_bus(settings: Settings) -> EventBus:
    """The event bus: emails go out after every change that queued one; public updates reach open chats."""
    bus = EventBus()

    def send_soon(event: DomainEvent) -> None:
        threading.Thread(target=_deliver_quietly, args=(settings,), name="case-emails", daemon=True).start()

    def tell_conversations(event: DomainEvent) -> None:
        text = {
            PUBLIC_UPDATE: f"Update on your case {event.case_number}: {event.data.get('text', '')}",
            RESOLVED: f"Your case {event.case_number} is resolved: {event.data.get('resolution', '')}",
        }[event.kind]
        with get_session_factory()() as session:
            service = CaseService(session)
            for conversation_id in service.conversations(service.get(event.case_number)):
                post_system_message(
                    session=session, publish=publish_conversation, conversation_id=conversation_id, text=text
                )

    for kind in (CREATED, PUBLIC_UPDATE, RESOLVED):
        bus.subscribe(kind, send_soon)
    for kind in (PUBLIC_UPDATE, RESOLVED):
        bus.subscribe(kind, tell_conversations)
    return bus


def _deliver_quietly(settings: Settings) -> None:
    """Deliver due emails in a background thread; failures are recorded on the emails, never raised."""
    try:
        deliver_emails(settings)
    except Exception:
        log.exception("delivering case emails failed; the scheduler retries")


def record_chat_message(session: Session, request: HTTPConnection, *, conversation_id: str, text: str) -> None:
    """Add a customer's chat message to the cases its conversation is linked to (a reply reopens a resolved one)."""
    service = case_bus_service(session, request)
    cases = [case for case in service.cases_of_conversation(conversation_id) if case.status != "closed"]
    for case in cases:
        service.customer_replied(case, text, conversation_id=conversation_id)
    service.commit()  # also ends the read, so the connection is free before the response is serialized


def case_bus_service(session: Session, request: HTTPConnection) -> CaseService:
    """A case service over `session`, publishing to the app's case event bus."""
    return CaseService(session, policy=sla_policy(request.app.state.settings), bus=request.app.state.case_bus)


def get_case_service(request: Request, session: SessionDep) -> CaseService:
    """The request's case service (a dependency)."""
    return case_bus_service(session, request)


CaseServiceDep = Annotated[CaseService, Depends(get_case_service)]


REFUSED = (CaseNotFound, TooLarge, TransitionError, VersionConflict)


def refusal(error: Exception) -> HTTPException:
    """Map a refused case change to its HTTP answer."""
    if isinstance(error, CaseNotFound):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(error))
    if isinstance(error, TooLarge):
        return HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, str(error))
    return HTTPException(status.HTTP_409_CONFLICT, str(error))


def staff_actor(principal: Principal) -> Actor:
    """The timeline actor for a staff member or the bot."""
    if principal.user_id is None:
        return Actor("bot", principal.display_name)
    return Actor(f"user:{principal.user_id}", principal.display_name)
