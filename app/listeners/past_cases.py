"""Resolve → searchable: a resolved case joins the desk's index of past resolutions, a reopened one leaves it."""

import logging
import threading

from cases import RESOLVED, STATUS_CHANGED, DomainEvent, EventBus
from knowledge.case_index import INDEXED, CaseIndex

log = logging.getLogger(__name__)


def index_resolutions(bus: EventBus, index: CaseIndex) -> None:
    """Subscribe to case.resolved and to reopens: update the index in the background, so the case change never
    waits for it or fails by it."""

    def apply(number: str) -> None:
        try:
            index.apply(number)
        except Exception:
            log.exception("could not update case %s in the index of past resolutions", number)

    def in_background(event: DomainEvent) -> None:
        threading.Thread(target=apply, args=(event.case_number,), name="case-index", daemon=True).start()

    def on_reopen(event: DomainEvent) -> None:
        if event.data.get("previous") in INDEXED and event.data.get("status") not in INDEXED:
            in_background(event)

    bus.subscribe(RESOLVED, in_background)
    bus.subscribe(STATUS_CHANGED, on_reopen)
