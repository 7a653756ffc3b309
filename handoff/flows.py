"""Use cases of the customer channel: a customer's turn through the bot, and ending a chat."""

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session

from handoff import service
from handoff.models import Conversation, Message
from handoff.rasa_client import BotUnavailable, RasaClient, as_rasa_text

log = logging.getLogger(__name__)

BOT_NAME = "Lumora assistant"
BOT_DOWN_TEXT = (
    "Sorry — our virtual assistant is unavailable right now. Your message is saved; please try again in a minute."
)
Publish = Callable[[str, dict], None]


def _store_and_publish(session: Session, publish: Publish, conversation_id: str, **fields) -> Message:
    """Store a message (committed first), then push it to live subscribers."""
    message = service.add_message(session=session, conversation_id=conversation_id, **fields)
    publish(conversation_id, {"type": "message", "message": service.to_read(message).model_dump(mode="json")})
    return message


def customer_turn(
    *,
    session: Session,
    rasa: RasaClient,
    publish: Publish,
    conversation: Conversation,
    text: str,
    payload: str | None,
) -> list[Message]:
    """Store the customer's message; in bot state, ask Rasa and store its replies (or a system notice)."""
    new = [_store_and_publish(session, publish, conversation.id, sender="customer", sender_name="You", text=text)]
    if conversation.state != "bot":
        return new
    try:
        replies = rasa.send(sender=conversation.id, text=payload if payload is not None else as_rasa_text(text))
    except BotUnavailable as error:
        log.warning("bot unavailable for conversation %s: %s", conversation.id, error)
        new.append(
            _store_and_publish(
                session, publish, conversation.id, sender="system", sender_name="Swarmdesk", text=BOT_DOWN_TEXT
            )
        )
        return new
    for reply in replies:
        new.append(
            _store_and_publish(
                session,
                publish,
                conversation.id,
                sender="bot",
                sender_name=BOT_NAME,
                text=reply.text,
                buttons=reply.buttons,
                links=reply.links,
            )
        )
    return new


def end_conversation(*, session: Session, publish: Publish, conversation: Conversation) -> None:
    """Close the chat at the customer's request, leaving a system note in the transcript."""
    if conversation.state == "closed":
        return
    service.set_state(session=session, conversation=conversation, state="closed")
    _store_and_publish(
        session, publish, conversation.id, sender="system", sender_name="Swarmdesk", text="The customer ended the chat."
    )
    publish(conversation.id, {"type": "state", "state": "closed"})
