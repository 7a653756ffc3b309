"""The case record wired to the rest: what case events set off (email, chat notices), and customers' chat lines
on their cases' timelines."""

import logging
import threading

import anyio.to_thread
from sqlalchemy.orm import Session

from cases import (
    CREATED,
    PUBLIC_UPDATE,
    RESOLVED,
    CaseService,
    DomainEvent,
    EventBus,
    SlaPolicy,
)
from cases.emails import deliver_due
from cases.models import utcnow
from cases.sla import DEFAULT_FIRST_RESPONSE_MINUTES, DEFAULT_RESOLUTION_MINUTES
from core.db import get_session_factory
from core.events import Event
from core.settings import Settings
from handoff.flows import post_system_message
from mail import make_mailer

log = logging.getLogger(__name__)
CASE_UPDATE_TEXT = "Update on your case {number}: {text}"
CASE_RESOLVED_TEXT = "Your case {number} is resolved: {resolution}"


def sla_policy(settings: Settings) -> SlaPolicy:
    """The service-level targets: cases' defaults, with the priorities that settings name overridden."""
    return SlaPolicy(
        DEFAULT_FIRST_RESPONSE_MINUTES | settings.sla_first_response_minutes,
        DEFAULT_RESOLUTION_MINUTES | settings.sla_resolution_minutes,
    )


def case_service(session: Session, settings: Settings, bus: EventBus | None = None) -> CaseService:
    """A case service as the settings configure it: their SLA targets, emails signed by the company's support."""
    return CaseService(session, policy=sla_policy(settings), bus=bus, company=settings.company_name)


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
            PUBLIC_UPDATE: CASE_UPDATE_TEXT.format(number=event.case_number, text=event.data.get("text", "")),
            RESOLVED: CASE_RESOLVED_TEXT.format(number=event.case_number, resolution=event.data.get("resolution", "")),
        }[event.kind]
        with get_session_factory()() as session:
            service = CaseService(session)
            for conversation_id in service.conversations(service.get(event.case_number)):
                post_system_message(session=session, conversation_id=conversation_id, text=text)

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


def _on_a_case(event: Event) -> bool:
    """True if a stored message is a customer's line that may belong on a case (the relay knows when none is
    linked)."""
    return event.data["message"].sender == "customer" and event.data.get("has_case") is not False


def record_chat_message(settings: Settings, case_bus: EventBus, event: Event) -> None:
    """On `message.stored`: add a customer's line to the open cases of its conversation (a reply reopens a
    resolved one)."""
    if not _on_a_case(event):
        return
    message = event.data["message"]
    with get_session_factory()() as session:
        service = case_service(session, settings, case_bus)
        for case in service.cases_of_conversation(message.conversation_id):
            if case.status != "closed":
                service.customer_replied(case, message.text, conversation_id=message.conversation_id)
        service.commit()


async def record_chat_message_live(settings: Settings, case_bus: EventBus, event: Event) -> None:
    """The same from the event loop: a thread only for a line that goes on a case (the relay's lines mostly don't)."""
    if _on_a_case(event):
        await anyio.to_thread.run_sync(record_chat_message, settings, case_bus, event)
