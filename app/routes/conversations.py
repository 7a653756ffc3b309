"""The customer API: open a conversation, send and list messages, end it, and its live WebSocket."""

import asyncio
import json
import logging
import time
from functools import partial
from typing import Annotated, Literal

import anyio
import anyio.to_thread
from fastapi import APIRouter, Header, HTTPException, Query, Request, WebSocket, status
from fastapi.websockets import WebSocketDisconnect
from sqlalchemy.orm import Session

from app.deps import (
    CustomerConversation,
    SessionDep,
    SettingsDep,
    bearer,
    check_text,
    checked_conversation,
    client_address,
)
from app.openapi import refusals
from core import ratelimit
from core.db import get_session_factory, release
from core.inputs import RequestBody
from core.live_hub import serve
from core.realtime import conversation_channel, publish_conversation
from core.settings import Settings
from handoff import flows, languages, service
from handoff.desk import flows as desk
from handoff.desk import relay
from handoff.desk.presence import customer_seen
from handoff.desk.queueing import case_for_customer, person_for_customer
from handoff.models import (
    Conversation,
    ConversationCreate,
    ConversationCreated,
    MessageCreate,
    MessageRead,
    MessagesRead,
)
from language import NAMES, SERVED

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/conversations", tags=["customer"], responses=refusals(401, 409, 429))


@router.post("", status_code=status.HTTP_201_CREATED)
def create_conversation(
    request: Request, session: SessionDep, settings: SettingsDep, body: ConversationCreate | None = None
) -> ConversationCreated:
    """Open a conversation with the virtual agent (of the widget's visitor, if given); keep the returned token to
    send messages."""
    ratelimit.enforce(
        bucket=f"conversations:{client_address(request)}",
        limit=settings.conversations_per_hour_per_ip,
        window_seconds=3600,
        what="new conversations from this address",
    )
    body = body or ConversationCreate()
    conversation, token = service.create_conversation(
        session=session, visitor_id=body.visitor_id, browser_language=body.browser_language
    )
    return ConversationCreated(conversation_id=conversation.id, token=token)


@router.post("/{conversation_id}/messages")
async def post_message(
    conversation_id: str,
    body: MessageCreate,
    request: Request,
    settings: SettingsDep,
    authorization: Annotated[str | None, Header()] = None,
) -> MessagesRead:
    """Store the customer's message and return it with the replies it produced.

    The conversation is read once: a chat with a person takes the relay, anything else the bot's turn."""
    check_text(body.text, settings)
    token = bearer(authorization)
    limiter = request.app.state.bot_turn_limiter
    turn = partial(_customer_turn, request, settings, conversation_id, token, body)
    if (answer := await anyio.to_thread.run_sync(turn, limiter=limiter)) is not None:
        return answer
    if relayed := await relay.from_customer(request, conversation_id, body.text, body.ref):
        return relayed
    return await anyio.to_thread.run_sync(partial(turn, person=False), limiter=limiter)


def _customer_turn(
    request: Request, settings: Settings, conversation_id: str, token: str, body: MessageCreate, person: bool = True
) -> MessagesRead | None:
    """The bot's turn (the full path) for a customer allowed into the conversation; None, with nothing done, when
    the chat is with a person and the message is for them (`person`)."""
    with get_session_factory()() as session:
        conversation = checked_conversation(session, conversation_id, token)
        if person and body.payload is None and conversation.state in relay.WITH_A_PERSON:
            return None
        return _turn(request, session, settings, conversation, body)


def _turn(
    request: Request, session: Session, settings: Settings, conversation: Conversation, body: MessageCreate
) -> MessagesRead:
    """The customer's turn in a conversation they are allowed into."""
    if conversation.state == "closed":
        raise HTTPException(status.HTTP_409_CONFLICT, "this conversation has ended; start a new one")
    if body.payload is not None and body.payload not in service.offered_payloads(
        session=session, conversation_id=conversation.id
    ):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "payload: not a button the bot offered")
    ratelimit.enforce(
        bucket=f"messages:{conversation.id}",
        limit=settings.messages_per_minute,
        window_seconds=60,
        what="messages in this conversation",
    )
    new = flows.customer_turn(
        session=session,
        rasa=request.app.state.rasa,
        publish=publish_conversation,
        conversation=conversation,
        text=body.text,
        payload=body.payload,
        request_person=person_for_customer(session, settings),
        leave_email=case_for_customer(session),
        customer_ip=client_address(request),
    )
    return MessagesRead(messages=[service.to_read(m) for m in new], state=conversation.state)


@router.get("/{conversation_id}/messages")
def list_messages(
    conversation: CustomerConversation,
    session: SessionDep,
    settings: SettingsDep,
    after: Annotated[int, Query(ge=0)] = 0,
) -> MessagesRead:
    """List the conversation's messages with `seq` greater than `after` (a poll also says the customer is here)."""
    messages = service.messages_after(session=session, conversation_id=conversation.id, after=after)
    release(session)  # polled often: the connection goes back before the response is serialized
    if conversation.state == "queued":
        customer_seen(conversation.id, settings.customer_away_seconds)
    return MessagesRead(messages=[service.to_read(m) for m in messages], state=conversation.state)


@router.post("/{conversation_id}/end")
def end_conversation(conversation: CustomerConversation, session: SessionDep) -> dict:
    """End the chat at the customer's request (leaving the queue, if waiting for a person)."""
    desk.customer_leaves(session, conversation)
    return {"state": conversation.state}


class LanguageChoice(RequestBody):
    """The language the customer picked in the widget (ISO 639-1 code of a language Swarmdesk serves)."""

    language: Literal[SERVED]


@router.put("/{conversation_id}/language")
def choose_language(body: LanguageChoice, conversation: CustomerConversation, session: SessionDep) -> dict:
    """Serve this conversation in the customer's chosen language from now on (it wins over detection)."""
    languages.choose_language(conversation, body.language)
    session.commit()
    return {"language": conversation.speaks, "language_name": NAMES[conversation.speaks]}


ws_router = APIRouter()


def _ws_conversation(conversation_id: str, token: str) -> Conversation | None:
    """Load the conversation if the token is its customer token."""
    with get_session_factory()() as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None or not service.token_matches(conversation, token):
            return None
        return conversation


HELLO_SECONDS = 10  # how long a new socket may take to send its hello frame


@ws_router.websocket("/ws/conversations/{conversation_id}")
async def conversation_socket(websocket: WebSocket, conversation_id: str) -> None:
    """Push the conversation's live frames; clients then fetch what they missed by `seq`. The first frame the client
    sends is `{"type": "hello", "token"}`: the customer token never sits in a URL a proxy or server would log."""
    await websocket.accept()
    token = await _hello_token(websocket)
    conversation = await asyncio.to_thread(_ws_conversation, conversation_id, token) if token else None
    if conversation is None:
        await websocket.close(code=4401, reason="unknown conversation or wrong token")
        return
    settings = websocket.app.state.settings
    last_seen = 0.0

    async def greet() -> None:
        await websocket.send_json({"type": "state", "state": conversation.state})

    async def send(channel: str, data: str) -> bool:
        await websocket.send_text(data)
        return True

    async def still_here() -> None:  # the customer is connected: they have not left the queue
        nonlocal last_seen
        if time.monotonic() - last_seen > settings.customer_away_seconds / 3:
            await asyncio.to_thread(customer_seen, conversation_id, settings.customer_away_seconds)
            last_seen = time.monotonic()

    await serve(
        websocket,
        {conversation_channel(conversation_id)},
        greet=greet,
        client=lambda queue: _customer_frames(websocket, conversation_id, token),
        send=send,
        tick=still_here,
    )


async def _customer_frames(websocket: WebSocket, conversation_id: str, token: str) -> None:
    """Read what the widget sends until it disconnects: messages for the person helping (each answered `said` or
    `refused`), and typing signals, passed on to the agent at most every 2 s."""
    last_typing = 0.0
    try:
        while True:
            frame = _frame(await websocket.receive_text())
            if frame.get("type") == "say":
                await websocket.send_json(
                    await relay.answer_say(frame.get("ref"), _say(websocket, conversation_id, token, frame))
                )
            elif frame.get("type") == "typing" and time.monotonic() - last_typing > 2:
                last_typing = time.monotonic()
                typing = {"type": "typing", "sender": "customer"}
                await asyncio.to_thread(publish_conversation, conversation_id, typing)
    except WebSocketDisconnect:
        return


async def _hello_token(websocket: WebSocket) -> str:
    """The token of the client's hello frame ("" when the first frame is something else or does not come)."""
    try:
        frame = _frame(await asyncio.wait_for(websocket.receive_text(), HELLO_SECONDS))
    except (TimeoutError, WebSocketDisconnect):
        return ""
    token = frame.get("token") if frame.get("type") == "hello" else None
    return token if isinstance(token, str) else ""


def _frame(text: str) -> dict:
    """A client's JSON frame as a dict ({} for anything else)."""
    try:
        frame = json.loads(text)
    except ValueError:
        return {}
    return frame if isinstance(frame, dict) else {}


async def _say(websocket: WebSocket, conversation_id: str, token: str, frame: dict) -> MessageRead | None:
    """Store a message the widget sent over its socket, through the relay (None if the chat is not with a person)."""
    body = MessageCreate.model_validate({"text": frame.get("text"), "ref": frame.get("ref")})
    check_text(body.text, websocket.app.state.settings)
    relayed = await relay.from_customer(
        websocket, conversation_id, body.text, body.ref, token_hash=service.token_hash(token)
    )
    return relayed.messages[0] if relayed else None
