"""The case lifecycle in one place: statuses, priorities and which status changes are allowed."""

STATUSES = ("new", "open", "pending_customer", "resolved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
ACTIVE = frozenset({"new", "open", "pending_customer"})

# status → the statuses it may change to; moving out of resolved/closed is a reopen.
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"open", "pending_customer", "resolved"}),
    "open": frozenset({"pending_customer", "resolved"}),
    "pending_customer": frozenset({"open", "resolved"}),
    "resolved": frozenset({"open", "closed"}),
    "closed": frozenset({"open"}),
}


class TransitionError(Exception):
    """A status change the lifecycle refuses; the message says why (the API answers 409)."""


def check_transition(current: str, target: str, *, resolution: str | None) -> None:
    """Raise TransitionError unless `current → target` is allowed (resolving needs a resolution note)."""
    if target not in STATUSES:
        raise TransitionError(f"unknown status {target!r}")
    if target == current:
        raise TransitionError(f"the case is already {current}")
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current]))
        raise TransitionError(f"a {current} case cannot become {target} (allowed: {allowed})")
    if target == "resolved" and not (resolution or "").strip():
        raise TransitionError("resolving a case needs a resolution note")


def is_reopen(current: str, target: str) -> bool:
    """True when the change brings a resolved or closed case back into work."""
    return current in {"resolved", "closed"} and target in ACTIVE
