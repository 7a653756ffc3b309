"""A conversation's rows of the activity record (core.activity): who the customer is, and the bot's searches.

A search the bot makes during a customer's turn is noted in Redis and written with the turn's own commit (the
one that stores the bot's replies), so a bot turn costs no extra commit; `at` is the moment of the search."""

import json
from datetime import datetime

from sqlalchemy.orm import Session

from core import activity
from core.db import get_session_factory
from core.redis_client import get_redis, key
from handoff.models import Conversation, utcnow

NOTED_SECONDS = 120  # a search whose turn never completed (Rasa failed after it) is forgotten


def record(session: Session, conversation: Conversation, kind: str, **fields) -> activity.Activity:
    """Add a row about this conversation to the caller's transaction (channel "chat", the widget's visitor)."""
    return activity.record(
        session, kind, conversation_id=conversation.id, channel="chat", visitor=conversation.visitor_hash, **fields
    )


def record_now(conversation_id: str, kind: str, **fields) -> None:
    """Write a row in a transaction of its own, for what happens in Redis only (offers); nothing for an unknown
    conversation."""
    with get_session_factory()() as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is not None:
            record(session, conversation, kind, **fields)
            session.commit()


def search_kind(decision: str, offered: list[str]) -> str:
    """The row a search's decision makes, read as the bot reads it (bot/actions/knowledge.py `_decision`): an
    answer needs an article, a "Did you mean…" two; anything else is not_found."""
    if decision == "answer" and offered:
        return "answer"
    return "clarify" if decision == "clarify" and len(offered) > 1 else "not_found"


def note_search(conversation_id: str, kind: str, offered: list[str], question: str | None) -> None:
    """Note the bot's search for this conversation until its turn commits: its `search_kind`, the articles offered,
    and for a miss the customer's question (already scrubbed)."""
    row: dict = {"kind": kind, "at": utcnow().isoformat()}
    if kind == "answer":
        row["article_id"] = offered[0]
    elif kind == "clarify":
        row["detail"] = {"offered": offered}
    else:
        row["detail"] = {"question": question}
    name = key("searched", conversation_id)
    pipe = get_redis().pipeline()
    pipe.rpush(name, json.dumps(row))
    pipe.expire(name, NOTED_SECONDS)
    pipe.execute()


def add_searches(session: Session, conversation: Conversation, *, answered: bool = True) -> None:
    """Add the rows of the searches noted during this turn to the session (the turn's commit writes them); a turn
    that was not `answered` (Rasa failed) only forgets them: the customer never saw what they found."""
    name = key("searched", conversation.id)
    pipe = get_redis().pipeline()
    pipe.lrange(name, 0, -1)
    pipe.delete(name)
    noted, _ = pipe.execute()
    for row in map(json.loads, noted if answered else []):
        record(session, conversation, row.pop("kind"), **row | {"at": datetime.fromisoformat(row["at"])})
