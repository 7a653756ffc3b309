"""Canned replies: the page to manage them, the API to list, save and delete them, and a reply filled in for one
of the desk's conversations."""

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from app.deps import AgentDep, Caller, DeskConversation, SessionDep
from app.openapi import refusals
from app.pages import staff_page
from handoff.desk import canned
from handoff.desk.canned import CannedRead, CannedWrite, Filled
from people.auth import Principal
from people.models import User

CANNED_PAGE = "/desk/canned"
pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/canned", tags=["canned"], responses=refusals(401, 403))
desk = APIRouter(prefix="/api/desk/conversations/{conversation_id}/canned", tags=["desk"], responses=refusals(401, 403))


@pages.get(CANNED_PAGE, response_class=HTMLResponse)
def canned_page(request: Request, staff: Caller) -> Response:
    """Manage canned replies: an agent's own; an admin's, the team's too (others are sent to sign in or refused)."""
    context = {"admin": staff is not None and "admin" in staff.roles}
    return staff_page(request, staff, roles=("agent",), template="canned.html", context=context)


def _user(session: Session, agent: Principal) -> User:
    """The caller's account as it is now (their skills and roles decide what they see)."""
    user = session.get(User, agent.user_id) if agent.user_id is not None else None
    if user is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "canned replies belong to staff accounts")
    return user


@contextmanager
def _refusals() -> Iterator[None]:
    """An unknown (or another agent's) reply → 404; the team's, changed by an agent → 403."""
    try:
        yield
    except canned.NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    except canned.NotAllowed as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(error)) from error


@api.get("")
def list_replies(agent: AgentDep, session: SessionDep) -> dict[str, list[CannedRead]]:
    """The replies the caller may use: their own, the team's for everyone and for a skill they hold (admins: all
    the team's)."""
    user = _user(session, agent)
    return {"replies": [canned.to_read(reply, user=user) for reply in canned.visible(session, user=user)]}


@api.post("", status_code=status.HTTP_201_CREATED)
def create_reply(data: CannedWrite, agent: AgentDep, session: SessionDep) -> CannedRead:
    """Save a reply: private to the caller, or (admins) shared with everyone or with a skill."""
    user = _user(session, agent)
    with _refusals():
        return canned.to_read(canned.create(session, data=data, user=user), user=user)


@api.put("/{reply_id}")
def update_reply(reply_id: int, data: CannedWrite, agent: AgentDep, session: SessionDep) -> CannedRead:
    """Replace a reply's title, text and audience: one's own, or (admins) the team's."""
    user = _user(session, agent)
    with _refusals():
        return canned.to_read(canned.update(session, reply_id=reply_id, data=data, user=user), user=user)


@api.delete("/{reply_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_reply(reply_id: int, agent: AgentDep, session: SessionDep) -> Response:
    """Delete a reply: one's own, or (admins) the team's."""
    with _refusals():
        canned.delete(session, reply_id=reply_id, user=_user(session, agent))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@desk.get("/{reply_id}/filled")
def filled(
    conversation_id: str, reply_id: int, conversation: DeskConversation, agent: AgentDep, session: SessionDep
) -> Filled:
    """The reply's text for this conversation: placeholders filled in, those without a value left as typed and
    named in `missing` (the desk holds the reply until the agent edits them; sent raw, it is refused)."""
    with _refusals():
        reply = canned.get_visible(session, reply_id=reply_id, user=_user(session, agent))
    known = canned.values(session, conversation_id=conversation_id, agent_name=agent.display_name)
    return canned.fill(reply.text, known=known)
