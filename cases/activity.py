"""A case's rows of the activity record (core.activity), written in the transaction of the change they record."""

import hashlib

from sqlalchemy import column, select, table
from sqlalchemy.orm import Session

from cases.models import Case
from core import activity

# The chats cases come from, read by name: cases imports none of the conversation code (it lives in handoff).
CHATS = table("conversations", column("id"), column("visitor_hash"))


def email_visitor(email: str) -> str:
    """The visitor of someone known only by email: the SHA-256 hex of the address in lower case."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def visitor_of(session: Session, case: Case) -> str:
    """Who the customer is: the visitor of the chat the case came from, else their email's hash."""
    chat = case.origin_conversation_id
    found = session.scalar(select(CHATS.c.visitor_hash).where(CHATS.c.id == chat)) if chat else None
    return found or email_visitor(case.customer_email)


def record(session: Session, case: Case, kind: str, **fields) -> activity.Activity:
    """Add a row about this case to the caller's transaction (its channel, chat and customer, unless `fields` say)."""
    about = {"case_id": case.id, "conversation_id": case.origin_conversation_id, "channel": case.channel}
    return activity.record(session, kind, **about | {"visitor": visitor_of(session, case)} | fields)
