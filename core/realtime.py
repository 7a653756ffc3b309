"""Live fan-out over Redis pub/sub, so any app worker can push to any connected client."""

import json
import logging

from core.redis_client import get_redis, key

log = logging.getLogger(__name__)


def conversation_channel(conversation_id: str) -> str:
    """The pub/sub channel carrying a conversation's live frames."""
    return key("conversation", conversation_id)


def _publish(channel: str, frame: dict) -> None:
    """Publish a frame; clients fetch what they missed, so a failure is logged, never raised."""
    try:
        get_redis().publish(channel, json.dumps(frame))
    except Exception as error:  # Redis down must not lose the stored message or fail the request
        log.warning("could not publish to %s: %s", channel, error)


def publish_conversation(conversation_id: str, frame: dict) -> None:
    """Publish a frame to a conversation's subscribers; clients fetch by `seq` if this is lost."""
    _publish(conversation_channel(conversation_id), frame)


def agent_channel(agent_id: int) -> str:
    """The channel carrying frames for one agent's desk (offers, assignments)."""
    return key("agent", str(agent_id))


def desk_channel() -> str:
    """The channel telling every desk that the queue changed."""
    return key("desk")


def publish_agent(agent_id: int, frame: dict) -> None:
    """Publish a frame to one agent's desk."""
    _publish(agent_channel(agent_id), frame)


def publish_desk(frame: dict) -> None:
    """Publish a frame to every desk."""
    _publish(desk_channel(), frame)


def room_channel(swarm_id: int) -> str:
    """The channel carrying a swarm room's live frames."""
    return key("swarm", str(swarm_id))


def publish_room(swarm_id: int, frame: dict) -> None:
    """Publish a frame to everyone in a swarm room."""
    _publish(room_channel(swarm_id), frame)
