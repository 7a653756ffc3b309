"""What the metrics count from domain events: each stored chat message, by sender."""

from core.events import Event
from core.metrics import MESSAGES


def count_message(event: Event) -> None:
    """Count one stored message."""
    MESSAGES.labels(event.data["message"].sender).inc()


async def count_message_live(event: Event) -> None:
    """The same on the event loop (a counter is too cheap to need a thread)."""
    count_message(event)
