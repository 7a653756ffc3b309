"""Who may enter a swarm room: its current members (staff by session or token) and its guests (guest cookie); which
customer chat a swarm may show its room and answer into."""

from fastapi import HTTPException, status
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from cases import CaseService
from cases.models import Case
from core.settings import Settings
from handoff.desk import queue as agent_queue
from handoff.models import Conversation
from handoff.swarm.models import GuestLink, Swarm, SwarmMember
from handoff.swarm.service import Gone, SwarmService, Who
from people.auth import Principal

GUEST_COOKIE = "swarmdesk_guest"


def guest_signer(settings: Settings) -> URLSafeTimedSerializer:
    """The signer of guest cookies."""
    return URLSafeTimedSerializer(settings.secret_key, salt="swarmdesk-guest")


def swarm_or_404(session: Session, swarm_id: int) -> Swarm:
    """The swarm, or 404."""
    swarm = SwarmService(session).get(swarm_id)
    if swarm is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no swarm {swarm_id}")
    return swarm


def guest_of(raw: str | None, session: Session, settings: Settings) -> GuestLink | None:
    """The guest link a guest cookie names (410 if it expired or was revoked), or None without a cookie."""
    if not raw:
        return None
    try:
        link_id = guest_signer(settings).loads(raw, max_age=settings.guest_link_max_hours * 3600)["link"]
    except (BadSignature, KeyError, TypeError):
        return None
    link = session.get(GuestLink, link_id)
    try:
        SwarmService(session).check_guest(link)
    except Gone as error:
        raise HTTPException(status.HTTP_410_GONE, str(error)) from error
    return link


def room_member(
    session: Session, settings: Settings, swarm: Swarm, staff: Principal | None, guest_cookie: str | None
) -> tuple[Who, SwarmMember]:
    """The caller's membership of the room: 401 if nobody signed in, 403 if not a member, 410 for a dead guest link."""
    swarms = SwarmService(session)
    if staff is not None and staff.user_id is not None:
        who = Who(staff.display_name, person_id=staff.user_id)
    else:
        link = guest_of(guest_cookie, session, settings)
        if link is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in, or open the invitation link you were sent")
        if link.swarm_id != swarm.id:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "your guest link opens another room")
        who = Who(link.name, guest_id=link.id)
    member = swarms.member(swarm, who)
    if member is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "you are not a member of this swarm")
    return who, member


def owner_only(swarm: Swarm, who: Who) -> None:
    """403 unless the caller owns the swarm."""
    if who.person_id is None or who.person_id != swarm.owner_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only the swarm's owner can do this")


def holds_chat(person_id: int | None, conversation_id: str) -> bool:
    """True if this person is the agent holding the conversation now."""
    return person_id is not None and agent_queue.owner(conversation_id) == person_id


def linkable_conversation(cases: CaseService, case: Case, conversation_id: str | None, agent: Principal) -> str | None:
    """The chat a new swarm shows its room and answers into: the one named, if it is a chat of the case's customer
    that this agent holds (any of the customer's, for an admin), else 403 naming why; unnamed, the case's first."""
    if conversation_id is None:
        return next(iter(cases.conversations(case)), None)
    customers = {linked.customer_email for linked in cases.cases_of_conversation(conversation_id)}
    if case.customer_email not in customers:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "conversation_id: not a chat of this case's customer")
    if "admin" not in agent.roles and not holds_chat(agent.user_id, conversation_id):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "conversation_id: you are not the agent on this chat")
    return conversation_id


def answerable_chat(session: Session, swarm: Swarm) -> Conversation | None:
    """The open chat the owner's answer goes into, or None when there is none (it goes as a case update); 409 when
    the chat is open but not the owner's (still with the bot, waiting, or with another agent)."""
    conversation = session.get(Conversation, swarm.conversation_id) if swarm.conversation_id else None
    if conversation is None or conversation.state == "closed":
        return None
    if conversation.state != "agent" or not holds_chat(swarm.owner_id, conversation.id):
        raise HTTPException(
            status.HTTP_409_CONFLICT, "the customer's chat is not with you: send once you hold it, or after it ends"
        )
    return conversation
