"""Move simulated conversations into the past: each to its own day and hour, stretched from machine speed to a human
pace, with everything that records its times (activity rows, messages, handoffs, cases, swarms). Used by
`ops.demo_history` only: real traffic is never moved."""

import random
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cases.models import Case, CaseEvent
from core.activity import Activity
from core.db import as_utc
from handoff.models import Conversation, Handoff, Message
from handoff.swarm.models import Swarm, SwarmMessage

STRETCH = (60.0, 400.0)  # how much slower than the simulation people are (a 1 s wait becomes 1 – 7 min)
OPEN_HOURS = (8, 19)  # conversations start in these hours (UTC) …
WEEKEND_SHARE = 0.4  # … and a weekend day gets this share of a weekday's traffic
STRETCHED_VALUES = {"accept", "abandoned"}  # activity kinds whose `value` is a duration in seconds
CASE_TIMES = ("created_at", "updated_at", "first_response_at", "resolved_at", "closed_at", "last_customer_reply_at",
              "first_response_due", "resolution_due", "paused_at")  # fmt: skip
Move = Callable[[datetime], datetime]


class Simulated(Protocol):
    """What a simulation opened: its conversations, and their cases and swarms by conversation."""

    conversations: list[str]
    cases: dict[str, list[int]]
    swarms: dict[str, list[int]]


def spread(sessions: sessionmaker[Session], run: Simulated, *, days: int, rng: random.Random) -> int:
    """Give every conversation a start in the last `days` days and a stretch; returns how many rows moved."""
    now = datetime.now(UTC)
    weights = [WEEKEND_SHARE if (now - timedelta(days=d)).weekday() >= 5 else 1.0 for d in range(1, days + 1)]
    moved = 0
    with sessions() as session:
        for conversation_id in run.conversations:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None:
                continue
            day = rng.choices(range(1, days + 1), weights)[0]
            start = (now - timedelta(days=day)).replace(hour=rng.randrange(*OPEN_HOURS), minute=rng.randrange(60))
            origin, stretch = as_utc(conversation.created_at), rng.uniform(*STRETCH)

            def move(moment: datetime, origin=origin, start=start, stretch=stretch) -> datetime:
                return start + (as_utc(moment) - origin) * stretch

            moved += _move_conversation(session, conversation, run.cases.get(conversation_id, []), move, stretch)
            moved += _move_swarms(session, run.swarms.get(conversation_id, []), move)
        session.commit()
    return moved


def _move_conversation(session: Session, conversation: Conversation, case_ids: list[int], move: Move, stretch: float):
    """Move one conversation, its messages, handoffs, cases and activity rows; how many rows moved."""
    rows: list = [conversation]
    rows += session.scalars(select(Message).where(Message.conversation_id == conversation.id)).all()
    rows += session.scalars(select(Handoff).where(Handoff.conversation_id == conversation.id)).all()
    activity = session.scalars(
        select(Activity).where((Activity.conversation_id == conversation.id) | Activity.case_id.in_(case_ids or [-1]))
    ).all()
    for row in activity:
        if row.kind in STRETCHED_VALUES and row.value is not None:
            row.value *= stretch
    cases = session.scalars(select(Case).where(Case.id.in_(case_ids or [-1]))).all()
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(case_ids or [-1]))).all()
    for row in [*rows, *activity, *events]:
        _shift(row, ("created_at", "updated_at", "at"), move)
    for case in cases:
        _shift(case, CASE_TIMES, move)
    return len(rows) + len(activity) + len(cases) + len(events)


def _move_swarms(session: Session, swarm_ids: list[int], move: Move) -> int:
    """Move swarms and their room messages (their activity rows carry the case and moved with it)."""
    swarms = session.scalars(select(Swarm).where(Swarm.id.in_(swarm_ids or [-1]))).all()
    messages = session.scalars(select(SwarmMessage).where(SwarmMessage.swarm_id.in_(swarm_ids or [-1]))).all()
    for row in swarms:
        _shift(row, ("created_at", "first_expert_at", "closed_at"), move)
    for row in messages:
        _shift(row, ("created_at",), move)
    return len(swarms) + len(messages)


def _shift(row: object, columns: Iterable[str], move: Move) -> None:
    """Move each of the row's set time columns."""
    for column in columns:
        value = getattr(row, column, None)
        if isinstance(value, datetime):
            setattr(row, column, move(value))
