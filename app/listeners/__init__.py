"""Cross-domain wiring: what one domain's events set off in another, subscribed once per app process.

| event | listener |
| --- | --- |
| `message.stored` (handoff.messages) | `casework.record_chat_message`: a customer's line on the conversation's cases |
| `message.stored` | `chat.push`: the live push to the conversation's subscribers |
| `message.stored` | `metrics.count_message`: messages by sender on `/metrics` |
| `message.stored` (live) | `customer_language.count_relayed`: a customer's line to a person: its language |
| `case.created`, `case.public_update`, `case.resolved` (cases) | `casework`: customer emails, notices in open chats |
| `case.resolved` | `drafts.draft_on_resolve`: a draft article from the resolution |
| `case.resolved`, `case.status_changed` | `past_cases.index_resolutions`: resolved cases in the desk's assist index |
"""

from functools import partial

from fastapi import FastAPI

from app.listeners import casework, chat, customer_language, drafts, metrics, past_cases
from core.events import bus
from handoff.messages import STORED


def wire(app: FastAPI) -> None:
    """Subscribe every listener for this app (wiring again replaces the listeners, never doubles them)."""
    settings = app.state.settings
    app.state.case_bus = casework.build_case_bus(settings)
    if settings.draft_from_resolved:
        drafts.draft_on_resolve(app.state.case_bus, app.state.knowledge_base)
    past_cases.index_resolutions(app.state.case_bus, app.state.case_index)
    case_bus = app.state.case_bus
    bus.subscribe(
        STORED,
        "case timeline",
        partial(casework.record_chat_message, settings, case_bus),
        live=partial(casework.record_chat_message_live, settings, case_bus),
    )
    bus.subscribe(STORED, "live push", chat.push, live=chat.live_push(app.state.async_redis))
    bus.subscribe(STORED, "metrics", metrics.count_message, live=metrics.count_message_live)
    bus.subscribe(STORED, "language", customer_language.counted_by_the_turn, live=customer_language.count_relayed)
