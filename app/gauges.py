"""Figures `/metrics` reads on each scrape from what every worker shares: the queue (Redis) and open swarms."""

from core import metrics
from core.db import get_session_factory
from handoff.desk import queue
from handoff.swarm.service import SwarmService


def open_swarms() -> int:
    """Swarm rooms open now."""
    with get_session_factory()() as session:
        return SwarmService(session).open_count()


def register() -> None:
    """Report the queue's length and longest wait and the open swarms on every scrape."""
    metrics.reading("swarmdesk_queue_length", "Chats waiting for a person now", queue.length)
    metrics.reading(
        "swarmdesk_queue_longest_wait_seconds",
        "How long the longest-waiting customer has waited so far",
        queue.longest_wait_seconds,
    )
    metrics.reading("swarmdesk_swarms_open", "Swarm rooms open now", open_swarms)
