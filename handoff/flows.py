"""Use cases of the customer channel: a customer's turn through the bot, and ending a chat."""

import logging
from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import metrics
from core.db import as_utc
from core.settings import get_settings
from handoff import activity, messages, service
from handoff.customers import CUSTOMER
from handoff.languages import note_language
from handoff.models import Conversation, Handoff, Message, utcnow
from handoff.rasa_client import BotUnavailable, RasaClient, as_rasa_text
from language import OTHER

log = logging.getLogger(__name__)

BOT_DOWN_TEXT = (
    "Sorry — our virtual assistant is unavailable right now. Your message is saved; please try again in a minute, "
    "or ask for a person."
)
PERSON_BUTTON = {"title": "Talk to a person", "payload": "/request_human"}
HANDED_BACK_TEXT = "You're back with the {company} virtual assistant. How can I help?"  # COMPANY_NAME
JOINED_TEXT = "{name} joined the chat."
UNSERVED_TEXT = "We answer in English, Dutch (Nederlands), Italian (Italiano) and Finnish (Suomi); we go on in English."
ENDED_TEXT = "The customer ended the chat."
Publish = Callable[[str, dict], None]
RequestPerson = Callable[[Conversation, str], str]  # (conversation, reason) -> what to tell the customer
LeaveEmail = Callable[[Conversation, str], str | None]  # (conversation, text) -> what to say if it opened a case


def _store(session: Session, conversation_id: str, **fields) -> Message:
    """Store one message through the writer (committed, then `message.stored`)."""
    return messages.store(session=session, conversation_id=conversation_id, messages=[fields])[0]


def customer_turn(
    *,
    session: Session,
    rasa: RasaClient,
    publish: Publish,
    conversation: Conversation,
    text: str,
    payload: str | None,
    request_person: RequestPerson,
    leave_email: LeaveEmail,
    customer_ip: str | None = None,
) -> list[Message]:
    """Store the customer's message; in bot state, ask Rasa and store its replies (or a system notice).

    When the bot is down the customer is offered a person; taking that offer goes straight to `request_person`,
    and an email address typed after it was told nobody is online goes to `leave_email` (which opens a case).
    """
    moved = note_language(conversation, text)  # saved with the message, so the bot hears this turn's language
    new = [_store(session, conversation.id, sender="customer", sender_name=CUSTOMER, text=text)]
    if moved and conversation.language == OTHER and not conversation.language_chosen:
        new.append(_system(session, conversation.id, UNSERVED_TEXT))
    if conversation.state != "bot":
        return new
    message = payload if payload is not None else as_rasa_text(text)
    metadata = {"customer_ip": customer_ip, "language": conversation.speaks}
    try:
        with metrics.timed(metrics.BOT_TURNS):
            replies = rasa.send(sender=conversation.id, text=message, metadata=metadata)
    except BotUnavailable as error:
        activity.add_searches(session, conversation, answered=False)
        log.warning("bot unavailable for conversation %s: %s", conversation.id, error)
        if payload == PERSON_BUTTON["payload"]:
            notice, buttons = request_person(conversation, "bot_unavailable"), None
        elif opened := leave_email(conversation, text):
            notice, buttons = opened, None
        else:
            notice, buttons = BOT_DOWN_TEXT, [PERSON_BUTTON]
        new.append(_system(session, conversation.id, notice, buttons=buttons))
        return new
    session.refresh(conversation)  # an action may have handed the conversation off meanwhile
    activity.add_searches(session, conversation)  # written with the replies' commit below
    said = [
        {
            "sender": "bot",
            "sender_name": f"{get_settings().company_name} assistant",
            "text": r.text,
            "buttons": r.buttons,
            "links": r.links,
        }
        for r in replies
    ]
    return new + messages.store(session=session, conversation_id=conversation.id, messages=said)


def _system(session: Session, conversation_id: str, text: str, **fields) -> Message:
    """Store and push a message from Swarmdesk itself."""
    return _store(session, conversation_id, sender="system", sender_name="Swarmdesk", text=text, **fields)


def request_handoff(
    *, session: Session, publish: Publish, conversation: Conversation, reason: str, skill: str | None, packet: dict
) -> Handoff:
    """Record the request for a person and mark the conversation queued (the bot stays silent from now on)."""
    queued = session.scalar(
        select(Handoff).where(Handoff.conversation_id == conversation.id, Handoff.status == "queued")
    )
    if queued is None:
        queued = Handoff(conversation_id=conversation.id, reason=reason, skill=skill, packet=packet)
        session.add(queued)
        question = (packet.get("problem") or [None])[-1]  # the open question, scrubbed by the packet's describe()
        activity.record(session, conversation, "handoff", reason=reason, detail={"question": question})
        service.set_state(session=session, conversation=conversation, state="queued")
        publish(conversation.id, {"type": "state", "state": "queued"})
    return queued


def _move(session: Session, publish: Publish, conversation: Conversation, handoff: tuple[str, str], state: str) -> None:
    """Move the open handoff from one status to the next and the conversation to `state`; push the state."""
    before, after = handoff
    session.execute(
        update(Handoff).where(Handoff.conversation_id == conversation.id, Handoff.status == before).values(status=after)
    )
    service.set_state(session=session, conversation=conversation, state=state)
    publish(conversation.id, {"type": "state", "state": state})


def agent_joined(*, session: Session, publish: Publish, conversation: Conversation, agent_name: str) -> Message:
    """An agent took the conversation: the customer is told who joined."""
    _move(session, publish, conversation, ("queued", "accepted"), "agent")
    return _system(session, conversation.id, JOINED_TEXT.format(name=agent_name))


def back_to_queue(*, session: Session, publish: Publish, conversation: Conversation, text: str) -> Message:
    """The conversation waits for a person again (agent lost or transfer); the customer is told why."""
    _move(session, publish, conversation, ("accepted", "queued"), "queued")
    return _system(session, conversation.id, text)


def agent_says(*, session: Session, conversation: Conversation, agent_name: str, text: str) -> Message:
    """Store and push an agent's message to the customer."""
    return _store(session, conversation.id, sender="agent", sender_name=agent_name, text=text)


def hand_back(
    *, session: Session, publish: Publish, rasa: RasaClient, conversation: Conversation, actor_id: int | None
) -> None:
    """Give the conversation back to the bot from a clean state; raises BotUnavailable if Rasa cannot be reset."""
    rasa.restart(sender=conversation.id)
    activity.record(session, conversation, "hand_back", actor_id=actor_id)
    session.execute(
        update(Handoff)
        .where(Handoff.conversation_id == conversation.id, Handoff.status != "returned")
        .values(status="returned")
    )
    service.set_state(session=session, conversation=conversation, state="bot")
    publish(conversation.id, {"type": "state", "state": "bot"})
    _system(session, conversation.id, HANDED_BACK_TEXT.format(company=get_settings().company_name))


def post_system_message(*, session: Session, conversation_id: str, text: str) -> Message | None:
    """Tell the customer something in their conversation, unless it has ended; returns the stored message."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.state == "closed":
        return None
    return _system(session, conversation_id, text)


def end_conversation(
    *,
    session: Session,
    publish: Publish,
    conversation: Conversation,
    closing_text: str = ENDED_TEXT,
    actor_id: int | None = None,
) -> None:
    """Close the chat (by the staff member `actor_id`, if one did), leaving a system note in the transcript; a
    customer still waiting for a person abandoned the wait."""
    if conversation.state == "closed":
        return
    waiting = session.scalar(
        select(Handoff).where(Handoff.conversation_id == conversation.id, Handoff.status == "queued")
    )
    if waiting is not None:
        waiting.status = "abandoned"
        waited = (utcnow() - as_utc(waiting.created_at)).total_seconds()
        activity.record(session, conversation, "abandoned", reason=waiting.reason, value=waited)
    activity.record(session, conversation, "close", actor_id=actor_id)
    service.set_state(session=session, conversation=conversation, state="closed")
    _system(session, conversation.id, closing_text)
    publish(conversation.id, {"type": "state", "state": "closed"})
