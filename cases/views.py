"""What a customer sees of their case: status in words, public updates and the resolution, never internal notes."""

from cases.models import Case

STATUS_TEXT = {
    "new": "We have your request and will pick it up soon.",
    "open": "We are working on it.",
    "pending_customer": "We are waiting for a reply from you.",
    "resolved": "Resolved. Reply if it is not fixed.",
    "closed": "Closed.",
}


def customer_view(case: Case, *, show_assignee: bool) -> dict:
    """What the customer sees: status in words and public updates, never internal notes."""
    updates = [
        {"text": e.text, "created_at": e.created_at}
        for e in case.timeline
        if e.public and e.kind in {"public_note", "public_update"}
    ]
    return {
        "number": case.number,
        "subject": case.subject,
        "status": case.status,
        "status_text": STATUS_TEXT[case.status],
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "resolution": case.resolution if case.status in {"resolved", "closed"} else None,
        "assignee_name": case.assignee_name if show_assignee else None,
        "public_updates": updates,
    }
