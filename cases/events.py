"""Domain events: `cases` announces what happened; the app subscribes (email, conversations) after commit."""

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

CREATED = "case.created"
PUBLIC_UPDATE = "case.public_update"
RESOLVED = "case.resolved"
STATUS_CHANGED = "case.status_changed"


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened to a case: its kind, the case number and what a subscriber needs."""

    kind: str
    case_number: str
    data: dict = field(default_factory=dict)


Handler = Callable[[DomainEvent], None]


class EventBus:
    """Synchronous publish/subscribe; a failing subscriber is logged and never undoes the case change."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)

    def subscribe(self, kind: str, handler: Handler) -> None:
        """Call `handler` for every event of `kind`."""
        self._handlers[kind].append(handler)

    def publish(self, events: list[DomainEvent]) -> None:
        """Deliver committed events to their subscribers, in order."""
        for event in events:
            for handler in self._handlers[event.kind]:
                try:
                    handler(event)
                except Exception:
                    log.exception("subscriber %s failed on %s %s", handler, event.kind, event.case_number)
