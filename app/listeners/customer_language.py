"""A customer's message to a person counts towards the conversation's language, off the relay's path (the bot's
turn counts its own message before asking Rasa: `handoff.flows.customer_turn`)."""

import asyncio
import logging

from core.db import get_session_factory
from core.events import Event
from handoff.languages import note_language_of

log = logging.getLogger(__name__)


def counted_by_the_turn(event: Event) -> None:
    """A message stored by a bot turn (or a notice): the turn counted it already, or it is not the customer's."""


async def count_relayed(event: Event) -> None:
    """Count a relayed customer message in a worker thread, without holding up the relay."""
    message = event.data["message"]
    if message.sender == "customer":
        asyncio.get_running_loop().run_in_executor(None, _count, message.conversation_id, message.text)


def _count(conversation_id: str, text: str) -> None:
    """Count one message in a transaction of its own; a failure is logged (the message itself is stored)."""
    try:
        with get_session_factory()() as session:
            note_language_of(session, conversation_id, text)
    except Exception:
        log.exception("could not count a message of %s towards its language", conversation_id)
