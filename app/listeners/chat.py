"""What a stored chat message sets off: the live push to whoever watches the conversation."""

import json
import logging

import redis
import redis.asyncio as aioredis

from core.events import Event
from core.realtime import conversation_channel, publish_conversation
from handoff import messages

log = logging.getLogger(__name__)


def push(event: Event) -> None:
    """Publish the stored message to the conversation's live subscribers (clients fetch by `seq` what is lost)."""
    message = event.data["message"]
    publish_conversation(message.conversation_id, messages.frame(message))


def live_push(client: aioredis.Redis):
    """The same from the event loop, on the app's asyncio Redis client."""

    async def push_live(event: Event) -> None:
        message = event.data["message"]
        try:
            await client.publish(conversation_channel(message.conversation_id), json.dumps(messages.frame(message)))
        except redis.RedisError as error:
            log.warning("could not publish message %s of %s: %s", message.seq, message.conversation_id, error)

    return push_live
