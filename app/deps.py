"""Every FastAPI dependency of the app, as `Annotated` aliases routes declare: who is calling, with which role,
the database session, the settings, the case service, the knowledge base, the resolved cases' index, the customer's
conversation and the swarm room."""

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from app.listeners.casework import case_service
from app.refusals import desk_refusals
from app.swarm_access import GUEST_COOKIE, owner_only, room_member, swarm_or_404
from cases import CaseService
from core.db import get_session, release
from core.settings import Settings, get_settings
from handoff import service as conversations
from handoff.desk import flows as desk
from handoff.models import Conversation
from handoff.swarm.models import Swarm, SwarmMember
from handoff.swarm.service import Who
from knowledge.case_index import CaseIndex
from knowledge.live_index import KnowledgeBase
from people.auth import Principal, principal_of


async def _settings() -> Settings:
    """The settings as a dependency (async: it needs no request thread)."""
    return get_settings()


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(_settings)]


def client_address(connection: HTTPConnection) -> str:
    """The caller's address, which every per-address limit counts: the socket peer, or the client a trusted proxy
    (setting `trusted_proxies`) forwarded for, as the app's proxy-headers middleware set it."""
    return connection.client.host if connection.client else "unknown"


def optional_principal(request: Request, session: SessionDep, settings: SettingsDep) -> Principal | None:
    """The caller if authenticated (bearer token first, then session cookie), else None."""
    try:
        return principal_of(request, session=session, settings=settings)
    finally:
        release(session)


Caller = Annotated[Principal | None, Depends(optional_principal)]


async def current_principal(principal: Caller) -> Principal:
    """Require an authenticated caller (401 otherwise)."""
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "sign in or send a valid API token", {"WWW-Authenticate": "Bearer"}
        )
    return principal


def require_role(*roles: str):
    """Build a dependency that admits callers holding one of `roles` (admins always)."""

    async def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.has_any(roles):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the role: {' or '.join(roles)}")
        return principal

    return check


CurrentStaff = Annotated[Principal, Depends(current_principal)]
AgentDep = Annotated[Principal, Depends(require_role("agent"))]
ExpertDep = Annotated[Principal, Depends(require_role("expert", "agent"))]
EditorDep = Annotated[Principal, Depends(require_role("editor"))]
AdminDep = Annotated[Principal, Depends(require_role("admin"))]
ServiceDep = Annotated[Principal, Depends(require_role("service"))]
WriterDep = Annotated[Principal, Depends(require_role("editor", "expert", "agent"))]
LeadDep = Annotated[Principal, Depends(require_role("lead"))]  # support leads (and admins): analytics
ReaderDep = Annotated[Principal, Depends(require_role("agent", "lead"))]  # who reads chats: leads read any, act in none


def get_case_service(request: Request, session: SessionDep) -> CaseService:
    """The request's case service, publishing to the app's case event bus."""
    return case_service(session, request.app.state.settings, request.app.state.case_bus)


CaseServiceDep = Annotated[CaseService, Depends(get_case_service)]


def get_knowledge_base(request: Request) -> KnowledgeBase:
    """The app's knowledge base (created in the lifespan)."""
    return request.app.state.knowledge_base


KnowledgeBaseDep = Annotated[KnowledgeBase, Depends(get_knowledge_base)]


def get_case_index(request: Request) -> CaseIndex:
    """The app's index of resolved cases (created in the lifespan)."""
    return request.app.state.case_index


CaseIndexDep = Annotated[CaseIndex, Depends(get_case_index)]


def bearer(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer …` header ("" when absent)."""
    return (authorization or "").removeprefix("Bearer ").strip()


def checked_conversation(session: Session, conversation_id: str, token: str) -> Conversation:
    """Load the conversation (404 if unknown) and check the customer's token (401 if wrong)."""
    conversation = session.get(Conversation, conversation_id)
    release(session)
    if conversation is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no conversation {conversation_id}")
    if not token or not conversations.token_matches(conversation, token):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing or wrong conversation token", {"WWW-Authenticate": "Bearer"}
        )
    return conversation


def customer_conversation(
    conversation_id: str, session: SessionDep, authorization: Annotated[str | None, Header()] = None
) -> Conversation:
    """The conversation of the customer's bearer token (404 if unknown, 401 if the token is wrong)."""
    return checked_conversation(session, conversation_id, bearer(authorization))


CustomerConversation = Annotated[Conversation, Depends(customer_conversation)]


def room_access(
    swarm_id: int, request: Request, session: SessionDep, settings: SettingsDep, staff: Caller
) -> tuple[Swarm, Who, SwarmMember]:
    """The swarm, the caller and their membership (401, 403 or 410 from `room_member`)."""
    swarm = swarm_or_404(session, swarm_id)
    who, member = room_member(session, settings, swarm, staff, request.cookies.get(GUEST_COOKIE))
    release(session)
    return swarm, who, member


RoomDep = Annotated[tuple[Swarm, Who, SwarmMember], Depends(room_access)]


def room_owner_or_admin(
    swarm_id: int, request: Request, session: SessionDep, settings: SettingsDep, staff: Caller
) -> tuple[Swarm, Principal]:
    """The swarm and its owner, or an admin in the room or not (401 signed out, 403 anyone else, 410 a dead link)."""
    swarm = swarm_or_404(session, swarm_id)
    if staff is None or "admin" not in staff.roles:
        who, _ = room_member(session, settings, swarm, staff, request.cookies.get(GUEST_COOKIE))
        owner_only(swarm, who)
    release(session)
    return swarm, staff


RoomOwnerDep = Annotated[tuple[Swarm, Principal], Depends(room_owner_or_admin)]


def desk_conversation(conversation_id: str, agent: ReaderDep, session: SessionDep) -> Conversation:
    """A conversation this agent (or lead) may read on the desk (404 if unknown, 403 if only the bot ever had it and
    the caller is no admin or lead); routes that act in it also ask for an agent."""
    with desk_refusals():
        return desk.readable_by(agent, session, conversation_id)


def held_conversation(conversation_id: str, agent: AgentDep, session: SessionDep) -> Conversation:
    """A conversation the calling agent holds (404 if unknown, 403 if someone else's)."""
    with desk_refusals():
        return desk.held_by(agent, session, conversation_id)


DeskConversation = Annotated[Conversation, Depends(desk_conversation)]
HeldConversation = Annotated[Conversation, Depends(held_conversation)]


def check_text(text: str, settings: Settings) -> None:
    """413 for a message over the limit (an empty one never gets here: its model refuses it)."""
    if len(text) > settings.max_message_chars:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"text: {len(text)} characters is over the limit of {settings.max_message_chars}",
        )
