"""The agent desk page and its WebSocket: presence by heartbeat, offers, queue changes and watched chats, live."""

import asyncio
import json
import logging

from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import HTMLResponse, Response
from fastapi.websockets import WebSocketDisconnect

from app.deps import SessionDep, SettingsDep, check_text, optional_principal
from app.pages import staff_page
from core.db import get_session_factory
from core.live_hub import same_origin, serve
from core.realtime import agent_channel, conversation_channel, desk_channel
from core.settings import get_settings
from handoff import service
from handoff.desk import flows as desk
from handoff.desk import relay
from handoff.desk.presence import mark_offline, mark_online
from handoff.models import AgentMessage, MessageRead
from people.auth import SESSION_COOKIE, Principal, staff_from_cookie
from people.models import User

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)


@router.get("/desk", response_class=HTMLResponse)
def desk_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """The agent desk; signed-out visitors go to the sign-in page, staff without the agent role get 403."""
    context = {"ttl": settings.presence_ttl_seconds}
    staff = optional_principal(request, session, settings)
    return staff_page(request, staff, roles=("agent",), template="desk.html", context=context)


def _desk_agent(websocket: WebSocket) -> Principal | None:
    """The signed-in agent opening the desk socket, or None."""
    with get_session_factory()() as session:
        staff = staff_from_cookie(websocket.cookies.get(SESSION_COOKIE), session=session, settings=get_settings())
    return staff if staff is not None and staff.has_any(("agent",)) else None


def _heartbeat(agent: Principal) -> bool:
    """Mark the agent online with their current skills and capacity (an admin's change applies at once); False
    when they may no longer use the desk (deactivated, or no longer an agent)."""
    with get_session_factory()() as session:
        user = session.get(User, agent.user_id)
        if user is None or not user.active or not {"agent", "admin"} & user.role_set:
            return False
        mark_online(user.id, name=user.display_name, skills=user.skill_list, capacity=user.capacity)
        return True


def _may_watch(agent: Principal, conversation_id: str) -> str | None:
    """None if the agent may watch the conversation, else why not (the same rule as reading it)."""
    with get_session_factory()() as session:
        try:
            desk.readable_by(agent, session, conversation_id)
        except (desk.NotFound, desk.NotAllowed) as error:
            return str(error)
    return None


@router.websocket("/ws/desk")
async def desk_socket(websocket: WebSocket) -> None:
    """Frames for one agent: offers, queue changes and the live frames of the chats they watch."""
    agent = await asyncio.to_thread(_desk_agent, websocket) if same_origin(websocket) else None
    if agent is None:
        await websocket.close(code=4403, reason="sign in as an agent on this site")
        return
    await websocket.accept()
    channels = {agent_channel(agent.user_id), desk_channel()}
    prefix = conversation_channel("")

    async def greet() -> None:
        await asyncio.to_thread(_heartbeat, agent)
        await websocket.send_json({"type": "ready"})

    async def send(channel: str, data: str) -> bool:
        frame = json.loads(data)
        if channel.startswith(prefix):
            frame["conversation_id"] = channel.removeprefix(prefix)
        await websocket.send_json(frame)
        return True

    await serve(
        websocket,
        channels,
        greet=greet,
        client=lambda queue: _listen(websocket, websocket.app.state.hub, queue, channels, agent),
        send=send,
    )


async def _listen(websocket: WebSocket, hub, queue: asyncio.Queue, channels: set[str], agent: Principal) -> None:
    """Handle what the desk sends: heartbeats, away, and which chats to watch."""
    try:
        while True:
            message = await websocket.receive_json()
            kind = message.get("type") if isinstance(message, dict) else None
            if kind == "heartbeat" and not await asyncio.to_thread(_heartbeat, agent):
                await asyncio.to_thread(mark_offline, agent.user_id)
                await websocket.close(code=4403, reason="this account may no longer use the desk")
                return
            elif kind == "away":
                await asyncio.to_thread(mark_offline, agent.user_id)
            elif kind == "say":
                await websocket.send_json(await relay.answer_say(message.get("ref"), _say(websocket, agent, message)))
            elif kind in {"watch", "unwatch"}:
                conversation_id = str(message.get("conversation_id", ""))[:36]
                await _watch(websocket, hub, queue, channels, kind, conversation_id, agent)
    except (WebSocketDisconnect, ValueError):
        return


async def _say(websocket: WebSocket, agent: Principal, frame: dict) -> MessageRead:
    """Store a message the desk sent over its socket to the customer of one of the agent's chats."""
    body = AgentMessage.model_validate({"text": frame.get("text"), "ref": frame.get("ref")})
    check_text(body.text, websocket.app.state.settings)
    conversation_id = str(frame.get("conversation_id", ""))[:36]
    message = await relay.from_agent(websocket, conversation_id, agent, body.text, body.ref)
    return service.to_read(message)


async def _watch(
    websocket: WebSocket, hub, queue, channels: set[str], kind: str, conversation_id: str, agent: Principal
) -> None:
    """Start or stop relaying a chat's frames; `watching` tells the desk to fetch what it missed."""
    channel = conversation_channel(conversation_id)
    if kind == "unwatch":
        channels.discard(channel)
        await hub.unsubscribe(channel, queue)
        return
    if refused := await asyncio.to_thread(_may_watch, agent, conversation_id):
        await websocket.send_json({"type": "error", "detail": refused})
        return
    channels.add(channel)
    await hub.subscribe(channel, queue)
    await websocket.send_json({"type": "watching", "conversation_id": conversation_id})
