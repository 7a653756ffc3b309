"""The swarm room API: what the room holds, its messages, the proposed answer, sending it on, guest links."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import Field
from sqlalchemy.orm import Session

from app.deps import CaseServiceDep, RoomDep, SessionDep, SettingsDep
from app.openapi import refusals
from app.refusals import staff_actor
from app.swarm_access import answerable_chat, owner_only
from cases import PUBLIC_UPDATE
from cases.models import Case
from core import pii
from core.db import as_utc
from core.inputs import RequestBody, words
from core.realtime import publish_room
from handoff import customers, flows, service
from handoff.models import Handoff
from handoff.swarm.flows import announce, guest_view, mark_staff_seen, to_timeline
from handoff.swarm.models import GuestLink, Swarm, SwarmMessage
from handoff.swarm.service import NotAllowed, SwarmClosed, SwarmService
from knowledge.vocabulary import company_words
from people.auth import Principal

router = APIRouter(prefix="/api/swarms/{swarm_id}", tags=["swarms"], responses=refusals(401, 403, 409, 410))
Text = words(4000)


class RoomPost(RequestBody):
    """A message in the room, or the (edited) answer the owner sends the customer."""

    text: Text


class GuestCreate(RequestBody):
    """An outside partner to let into this room for a while."""

    name: words(120)
    valid_hours: Annotated[int, Field(ge=1, le=24 * 14)] = 72


def _message(message: SwarmMessage) -> dict:
    """A room message as clients see it."""
    return {
        "id": message.id,
        "seq": message.seq,
        "author": message.author_name,
        "role": message.author_role,
        "text": message.text,
        "mentions": message.mentions,
        "proposed": message.proposed,
        "sent": message.sent_at is not None,
        "created_at": as_utc(message.created_at).isoformat(),
    }


def _publish(swarm: Swarm, message: SwarmMessage) -> None:
    """Push a new or changed message to the room."""
    publish_room(swarm.id, {"type": "message", "message": _message(message)})


def _closed(error: Exception) -> HTTPException:
    """Map refusals in the room to answers."""
    code = status.HTTP_409_CONFLICT if isinstance(error, SwarmClosed) else status.HTTP_403_FORBIDDEN
    return HTTPException(code, str(error))


@router.get("")
def room(swarm_id: int, room: RoomDep, session: SessionDep, cases: CaseServiceDep) -> dict:
    """Everything the room opens with: case summary, read-only customer transcript, packet, members, figures. A guest
    gets the case summary, the handoff's summary and only the chat messages shared with them, all scrubbed."""
    swarm, who, member = room
    if who.person_id:
        mark_staff_seen(who.person_id)
    swarms = SwarmService(session)
    case = cases.get(swarm.case_number)
    guest = who.guest_id is not None  # someone from outside the company: what they need, without personal data
    transcript, packet, customer = [], None, customers.CUSTOMER
    if swarm.conversation_id:
        conversation = swarm.conversation_id
        customer = customers.visitor_label(conversation) if guest else customers.label(session, conversation)
        messages = service.messages_after(session=session, conversation_id=conversation)
        if guest:
            messages = swarms.for_guests(swarm, messages)
        transcript = [customers.named(service.to_read(m), customer).model_dump(mode="json") for m in messages]
        handoff = session.query(Handoff).filter_by(conversation_id=swarm.conversation_id).order_by(Handoff.id.desc())
        packet = handoff.first().packet if handoff.first() else None
    summary = {"number": case.number, "subject": case.subject, "priority": case.priority, "status": case.status}
    if guest:
        summary, packet, transcript = _for_guest(session, case, summary, packet, transcript)
    else:
        summary["description"] = case.description
    is_owner = who.person_id == swarm.owner_id
    return {
        "id": swarm.id,
        "status": swarm.status,
        "outcome": swarm.outcome,
        "skills": swarm.needed_skills,
        "owner": swarm.owner_name,
        "me": {"name": who.name, "role": member.role, "is_owner": is_owner},
        "case": summary,
        "customer": customer,
        "transcript": transcript,
        "guest_view": guest_view(swarms, swarm),
        "packet": packet,
        "members": [
            {"name": m.name, "role": m.role, "joined_at": as_utc(m.joined_at).isoformat()}
            for m in swarms.members(swarm)
        ],
        "invitations": [{"id": i.id, "name": i.person_name, "status": i.status} for i in swarms.invitations(swarm)]
        if is_owner
        else [],
        "guests": [_guest(g) for g in swarms.guests(swarm)] if is_owner else [],
        "figures": swarms.figures(swarm),
    }


def _for_guest(
    session: Session, case: Case, summary: dict, packet: dict | None, transcript: list[dict]
) -> tuple[dict, dict | None, list[dict]]:
    """The case summary, the handoff's reason and summary and the transcript with their personal data scrubbed."""
    words, names = company_words(session), [case.customer_name or ""]

    def scrub(text: str) -> str:
        return pii.scrub(text, names, words)

    packet = {"reason": packet.get("reason"), "summary": scrub(packet.get("summary") or "")} if packet else None
    transcript = [m | {"text": scrub(m["text"])} for m in transcript]
    return summary | {"subject": scrub(summary["subject"])}, packet, transcript


def _guest(link: GuestLink) -> dict:
    """A guest link as the owner sees it (never the token)."""
    return {
        "id": link.id,
        "name": link.name,
        "expires_at": as_utc(link.expires_at).isoformat(),
        "revoked": bool(link.revoked_at),
    }


@router.get("/messages")
def messages(swarm_id: int, room: RoomDep, session: SessionDep, after: Annotated[int, Query(ge=0)] = 0) -> dict:
    """Room messages after `after` (resume by seq)."""
    swarm, _, _ = room
    return {"messages": [_message(m) for m in SwarmService(session).messages(swarm, after)], "status": swarm.status}


@router.post("/messages", status_code=status.HTTP_201_CREATED)
def post(swarm_id: int, body: RoomPost, room: RoomDep, session: SessionDep, settings: SettingsDep) -> dict:
    """Post in the room; @Name mentions tell those members. A closed room → 409."""
    swarm, who, _ = room
    swarms = SwarmService(session)
    try:
        message = swarms.post(swarm, who, body.text)
    except (NotAllowed, SwarmClosed) as error:
        raise _closed(error) from error
    session.commit()
    _publish(swarm, message)
    mentioned = {m.person_id: m.name for m in swarms.members(swarm) if m.name in message.mentions and m.person_id}
    if mentioned:
        text = f"{who.name} mentioned you in the swarm on {swarm.case_number}."
        announce(settings, swarm, "mentioned", actor=who.name, text=text, to=mentioned)
    return _message(message)


@router.post("/messages/{message_id}/propose")
def propose(swarm_id: int, message_id: int, room: RoomDep, session: SessionDep, settings: SettingsDep) -> dict:
    """Mark a message as the proposed answer; the owner is told."""
    swarm, who, _ = room
    swarms = SwarmService(session)
    message = _message_or_404(swarms, swarm, message_id)
    try:
        swarms.propose(swarm, message, who)
    except (NotAllowed, SwarmClosed) as error:
        raise _closed(error) from error
    session.commit()
    _publish(swarm, message)
    text = f"{who.name} proposed an answer in the swarm on {swarm.case_number}."
    announce(settings, swarm, "answer_proposed", actor=who.name, text=text, to={swarm.owner_id: swarm.owner_name})
    return _message(message)


def _message_or_404(swarms: SwarmService, swarm: Swarm, message_id: int) -> SwarmMessage:
    """The room's message, or 404."""
    message = swarms.message(swarm, message_id)
    if message is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no message {message_id} in this swarm")
    return message


@router.post("/messages/{message_id}/send")
def send_to_customer(
    swarm_id: int, message_id: int, body: RoomPost, room: RoomDep, session: SessionDep, settings: SettingsDep,
    cases: CaseServiceDep,
) -> dict:  # fmt: skip
    """The owner sends an answer from the room (edited or not) as their own reply: in the chat they hold, else by case
    update once the chat has ended (409, nothing sent, while the chat is open and not theirs)."""
    swarm, who, _ = room
    owner_only(swarm, who)
    swarms = SwarmService(session)
    message = _message_or_404(swarms, swarm, message_id)
    conversation = answerable_chat(session, swarm)
    try:
        swarms.mark_sent(swarm, message)
    except SwarmClosed as error:
        raise _closed(error) from error
    owner = Principal(who.person_id, who.name, frozenset())
    if conversation is not None:
        flows.agent_says(
            session=session,
            conversation=conversation,
            agent_name=who.name,
            text=body.text,
        )
        channel = "chat"
    else:
        cases.add_note(swarm.case_number, body.text, staff_actor(owner), public=True)
        cases.commit()
        channel = PUBLIC_UPDATE
    session.commit()
    _publish(swarm, message)
    to_timeline(session, swarm, "answer_sent", staff_actor(owner), by=message.author_name, channel=channel)
    return {"sent": True, "channel": "chat" if channel == "chat" else "email"}


@router.post("/guests", status_code=status.HTTP_201_CREATED)
def add_guest(swarm_id: int, body: GuestCreate, room: RoomDep, session: SessionDep, settings: SettingsDep) -> dict:
    """A signed link with an expiry that opens this room only (shown once)."""
    swarm, who, _ = room
    owner_only(swarm, who)
    try:
        link, token = SwarmService(session).add_guest(
            swarm, name=body.name, valid_for=timedelta(hours=body.valid_hours), by=who.person_id
        )
    except SwarmClosed as error:
        raise _closed(error) from error
    session.commit()
    owner = Principal(who.person_id, who.name, frozenset())
    to_timeline(session, swarm, "guest_invited", staff_actor(owner), guest=body.name)
    return _guest(link) | {"url": f"{settings.public_url}/swarm-guest/{token}"}


@router.delete("/guests/{guest_id}")
def revoke_guest(swarm_id: int, guest_id: int, room: RoomDep, session: SessionDep, settings: SettingsDep) -> dict:
    """Revoke a guest link now; the guest is out of the room."""
    swarm, who, _ = room
    owner_only(swarm, who)
    link = session.get(GuestLink, guest_id)
    if link is None or link.swarm_id != swarm.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no guest link {guest_id} in this swarm")
    SwarmService(session).revoke(link)
    session.commit()
    publish_room(swarm.id, {"type": "room", "kind": "guest_revoked"})
    owner = Principal(who.person_id, who.name, frozenset())
    to_timeline(session, swarm, "guest_revoked", staff_actor(owner), guest=link.name)
    return _guest(link)
