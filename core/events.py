"""Domain events inside one process: a domain says what happened, the app's listeners react (app/listeners/).

A listener is subscribed under a name, so wiring again (a second app in one process, as tests do) replaces it
instead of adding a twin. A listener may also have a `live` form, an async function that the async emitter
awaits on the event loop (the live relay's path); without one, the async emitter runs the plain form in a thread.
A failing listener is logged and never undoes what its domain did.
"""

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """Something that happened: its kind (e.g. "message.stored") and what a listener needs to know."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict)


Listener = Callable[[Event], None]
LiveListener = Callable[[Event], Awaitable[None]]


@dataclass(frozen=True)
class _Subscription:
    """One named listener of one kind of event."""

    listener: Listener
    live: LiveListener | None


class EventBus:
    """Synchronous publish/subscribe, with an async path for callers on the event loop."""

    def __init__(self) -> None:
        self._subscriptions: dict[str, dict[str, _Subscription]] = defaultdict(dict)

    def subscribe(self, kind: str, name: str, listener: Listener, *, live: LiveListener | None = None) -> None:
        """Call `listener` (or await `live`, from `emit_live`) for every event of `kind`; replaces `name`."""
        self._subscriptions[kind][name] = _Subscription(listener, live)

    def emit(self, kind: str, **data: Any) -> None:
        """Deliver an event to its listeners, in the order they subscribed."""
        event = Event(kind, data)
        for name, subscription in list(self._subscriptions[kind].items()):
            try:
                subscription.listener(event)
            except Exception:
                log.exception("listener %s failed on %s", name, kind)

    async def emit_live(self, kind: str, **data: Any) -> None:
        """Deliver an event from the event loop: live listeners are awaited, the others run in a thread."""
        event = Event(kind, data)
        for name, subscription in list(self._subscriptions[kind].items()):
            try:
                if subscription.live is not None:
                    await subscription.live(event)
                else:
                    await anyio.to_thread.run_sync(subscription.listener, event)
            except Exception:
                log.exception("listener %s failed on %s", name, kind)


bus = EventBus()
