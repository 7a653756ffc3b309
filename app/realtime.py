"""Live fan-out over Redis pub/sub, so any app worker can push to any connected client."""

import json
import logging

from app.redis_client import get_redis, key

log = logging.getLogger(__name__)


def conversation_channel(conversation_id: str) -> str:
    """The pub/sub channel carrying a conversation's live frames."""
    return key("conversation", conversation_id)


def publish_conversation(conversation_id: str, frame: dict) -> None:
    """Publish a frame to a conversation's subscribers; clients fetch by `seq` if this is lost."""
    try:
        get_redis().publish(conversation_channel(conversation_id), json.dumps(frame))
    except Exception as error:  # Redis down must not lose the stored message or fail the request
        log.warning("could not publish to conversation %s: %s", conversation_id, error)
