"""Who a conversation's customer is, as staff see them: the name or email a linked case gives (theirs, or one of
the same browser's earlier chats), else a visitor number; their earlier chats and who helped them last; and what
the chat is about, in a line, from its handoff packet."""

import hashlib

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cases.models import Case, CaseConversation
from handoff.models import Conversation, MessageRead

CUSTOMER = "Customer"  # the sender name stored on a customer's messages; staff views show `labels` instead
MAX_TITLE_CHARS = 80


def visitor_label(conversation_id: str) -> str:
    """A stable, memorable name for a customer nobody knows yet: "Visitor 4821" (from the conversation id)."""
    return f"Visitor {int(hashlib.sha256(conversation_id.encode()).hexdigest(), 16) % 9000 + 1000}"


def _named(session: Session, conversation_ids: list[str]) -> dict[str, str]:
    """The conversations a case names the customer of: the name on the latest linked case, else its email."""
    query = (
        select(CaseConversation.conversation_id, Case.customer_name, Case.customer_email)
        .join(Case, Case.id == CaseConversation.case_id)
        .where(CaseConversation.conversation_id.in_(conversation_ids))
        .order_by(CaseConversation.id)
    )
    return {conversation: name or email for conversation, name, email in session.execute(query) if name or email}


def _visitors(session: Session, condition) -> dict[str, str]:
    """Conversation id → visitor hash, for the conversations with a visitor that meet `condition`."""
    query = select(Conversation.id, Conversation.visitor_hash).where(condition, Conversation.visitor_hash.is_not(None))
    return {conversation: visitor for conversation, visitor in session.execute(query)}


def labels(session: Session, conversation_ids: list[str]) -> dict[str, str]:
    """Each conversation's customer: named by its own case, else by a case of the same browser's earlier chats,
    else a visitor number."""
    known = _named(session, conversation_ids)
    unnamed = _visitors(session, Conversation.id.in_([c for c in conversation_ids if c not in known]))
    if unnamed:
        siblings = _visitors(session, Conversation.visitor_hash.in_(set(unnamed.values())))
        by_visitor = {siblings[c]: name for c, name in _named(session, list(siblings)).items()}
        known |= {c: by_visitor[v] for c, v in unnamed.items() if v in by_visitor}
    return {conversation: known.get(conversation) or visitor_label(conversation) for conversation in conversation_ids}


def earlier_chats(session: Session, conversation_id: str) -> list[str]:
    """The other conversations of the same customer: the same browser's visitor, or a case with the same email."""
    emails = (
        select(Case.customer_email)
        .join(CaseConversation, CaseConversation.case_id == Case.id)
        .where(CaseConversation.conversation_id == conversation_id)
    )
    by_email = (
        select(CaseConversation.conversation_id)
        .join(Case, Case.id == CaseConversation.case_id)
        .where(Case.customer_email.in_(emails))
    )
    visitor = select(Conversation.visitor_hash).where(Conversation.id == conversation_id).scalar_subquery()
    query = (
        select(Conversation.id)
        .where(Conversation.id != conversation_id)
        .where(or_(Conversation.visitor_hash == visitor, Conversation.id.in_(by_email)))
        .order_by(Conversation.updated_at.desc())
    )
    return list(session.scalars(query))


def helped_last(session: Session, conversation_id: str) -> int | None:
    """The agent who took this customer's latest earlier conversation, if any did."""
    earlier = earlier_chats(session, conversation_id)
    query = select(Conversation.agent_id).where(Conversation.id.in_(earlier), Conversation.agent_id.is_not(None))
    return session.scalars(query.order_by(Conversation.updated_at.desc()).limit(1)).first()


def label(session: Session, conversation_id: str) -> str:
    """One conversation's customer, as `labels` names them."""
    return labels(session, [conversation_id])[conversation_id]


def named(message: MessageRead, customer: str) -> MessageRead:
    """The message with the customer's lines under `customer`."""
    return message.model_copy(update={"sender_name": customer}) if message.sender == "customer" else message


def title(packet: dict | None) -> str:
    """What the chat is about: the first problem the customer stated (scrubbed in the packet), else its summary."""
    packet = packet or {}
    text = next(iter(packet.get("problem") or []), "") or packet.get("summary") or ""
    text = " ".join(text.split())
    return text if len(text) <= MAX_TITLE_CHARS else text[: MAX_TITLE_CHARS - 1].rstrip() + "…"
