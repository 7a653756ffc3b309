"""Swarm pages: my invitations and rooms, the room itself, a guest's way in, and the room's live socket."""

import asyncio
import logging

from fastapi import APIRouter, HTTPException, Request, WebSocket
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.websockets import WebSocketDisconnect

from app.deps import SessionDep, SettingsDep, optional_principal
from app.pages import staff_page, templates
from app.swarm_access import GUEST_COOKIE, guest_signer, room_member, swarm_or_404
from core.db import get_session_factory
from core.live_hub import same_origin, serve
from core.realtime import room_channel
from core.settings import get_settings
from handoff.swarm.service import Gone, SwarmService
from people.auth import SESSION_COOKIE, staff_from_cookie

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)


def _gone_page(request: Request, reason: str) -> Response:
    """410 with a page that says what happened and what to do."""
    return templates.TemplateResponse(request, "gone.html", {"reason": reason}, status_code=410)


@router.get("/swarms", response_class=HTMLResponse)
def swarms_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Invitations waiting for me and the rooms I am in (experts and agents)."""
    staff = optional_principal(request, session, settings)
    return staff_page(request, staff, roles=("expert", "agent"), template="swarms.html", context={})


@router.get("/swarms/{swarm_id}", response_class=HTMLResponse)
def room_page(swarm_id: int, request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """The swarm room, for its members and guests only."""
    staff = optional_principal(request, session, settings)
    swarm = swarm_or_404(session, swarm_id)
    try:
        who, member = room_member(session, settings, swarm, staff, request.cookies.get(GUEST_COOKIE))
    except HTTPException as error:
        if error.status_code == 410:
            return _gone_page(request, error.detail)
        if error.status_code == 401:
            return RedirectResponse(f"/login?next=/swarms/{swarm_id}", status_code=303)
        context = {"needed": "swarm member", "staff": staff}
        return templates.TemplateResponse(request, "forbidden.html", context, status_code=error.status_code)
    context = {"swarm": swarm, "who": who, "member": member, "csrf": staff.csrf_token if staff else ""}
    return templates.TemplateResponse(request, "swarm_room.html", context)


@router.get("/swarm-guest/{token}", response_class=HTMLResponse)
def guest_entry(token: str, request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """An outside partner's invitation link: enter that one room (a cookie for it), or 410 when it is dead."""
    swarms = SwarmService(session)
    try:
        link = swarms.guest_link(token)
    except Gone as error:
        return _gone_page(request, str(error))
    swarm = swarms.get(link.swarm_id)
    if swarm.status != "open":
        return _gone_page(request, "this swarm is closed")
    swarms.join_as_guest(swarm, link)
    session.commit()
    response = RedirectResponse(f"/swarms/{swarm.id}", status_code=303)
    response.set_cookie(
        GUEST_COOKIE,
        guest_signer(settings).dumps({"link": link.id}),
        max_age=settings.guest_link_max_hours * 3600,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="strict",
    )
    return response


def _socket_member(websocket: WebSocket, swarm_id: int) -> bool:
    """True if the socket's cookies name a current member of the room."""
    settings = get_settings()
    with get_session_factory()() as session:
        staff = staff_from_cookie(websocket.cookies.get(SESSION_COOKIE), session=session, settings=settings)
        swarm = SwarmService(session).get(swarm_id)
        if swarm is None:
            return False
        try:
            room_member(session, settings, swarm, staff, websocket.cookies.get(GUEST_COOKIE))
        except HTTPException:
            return False
        return True


async def _until_closed(websocket: WebSocket) -> None:
    """Read (and ignore) what the page sends until it goes."""
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect:
        return


@router.websocket("/ws/swarms/{swarm_id}")
async def room_socket(websocket: WebSocket, swarm_id: int) -> None:
    """The room's live frames (messages, members, invitations); the page then fetches after its last seq."""
    if not same_origin(websocket) or not await asyncio.to_thread(_socket_member, websocket, swarm_id):
        await websocket.close(code=4403, reason="members of this swarm only")
        return
    await websocket.accept()

    async def greet() -> None:
        await websocket.send_json({"type": "ready"})

    async def send(channel: str, data: str) -> bool:
        if '"room"' in data and not await asyncio.to_thread(_socket_member, websocket, swarm_id):
            await websocket.close(code=4403, reason="you are no longer in this swarm")  # e.g. a revoked guest
            return False
        await websocket.send_text(data)
        return True

    await serve(
        websocket, {room_channel(swarm_id)}, greet=greet, client=lambda queue: _until_closed(websocket), send=send
    )
