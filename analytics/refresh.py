"""Keep the roll-ups current: read the activity rows added since the last refresh, rebuild the conversations,
cases and swarms they touch, settle the conversations whose recontact window ended, and recompute the touched days.

Database ids do not commit in order, so rows younger than LAG are read again next time; every step rebuilds from
the raw rows, so reading a row twice changes nothing."""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from analytics import daily
from analytics.clusters import Embed, assign
from analytics.days import day_of, midnight
from analytics.models import CaseFacts, ConversationFacts, Question, RefreshState, SwarmFacts
from analytics.outcomes import QUESTION_KINDS, Facts, facts_of, outcome
from cases.models import Case
from core.activity import Activity, utcnow
from core.db import as_utc

LAG = timedelta(minutes=2)  # longer than any transaction that writes an activity row stays open
SCAN = 50_000  # activity ids read per round trip
KEYS = 500  # conversations or cases rebuilt per round trip
SWARM_KINDS = ("swarm_started", "swarm_joined", "swarm_answer_accepted", "swarm_closed")
FACT_FIELDS = tuple(Facts.__dataclass_fields__)


def batched(items: Iterable, size: int) -> Iterator[list]:
    """The items in lists of `size` (the last one shorter)."""
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class Touched:
    """What the new rows touched."""

    def __init__(self) -> None:
        self.conversations: set[str] = set()
        self.cases: set[int] = set()
        self.swarms: set[int] = set()
        self.days: set = set()


def _swarm_id(row) -> int | None:
    """The swarm a swarm row is about."""
    value = (row.detail or {}).get("swarm_id")
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


def _scan(session: Session, start: int, newest: int, now: datetime, touched: Touched) -> int:
    """Note what rows start+1…newest touch and keep their unanswered questions; returns the next watermark."""
    mark, young = newest, now - LAG
    a = Activity
    for low in range(start, newest, SCAN):
        columns = (a.id, a.kind, a.at, a.conversation_id, a.case_id, a.channel, a.detail)
        rows = session.execute(select(*columns).where(a.id > low, a.id <= low + SCAN).order_by(a.id)).all()
        known = set(
            session.scalars(select(Question.activity_id).where(Question.activity_id.between(low + 1, low + SCAN)))
        )
        questions = []
        for row in rows:
            touched.days.add(day_of(row.at))
            if row.conversation_id:
                touched.conversations.add(row.conversation_id)
            if row.case_id is not None:
                touched.cases.add(row.case_id)
            if row.kind in SWARM_KINDS and _swarm_id(row) is not None:
                touched.swarms.add(_swarm_id(row))
            text = (row.detail or {}).get("question") if row.kind in QUESTION_KINDS else None
            if isinstance(text, str) and text.strip() and row.id not in known:
                questions.append(
                    {"activity_id": row.id, "conversation_id": row.conversation_id, "channel": row.channel,
                     "at": row.at, "day": day_of(row.at), "text": text.strip()[:1000]}
                )  # fmt: skip
            if as_utc(row.at) > young:
                mark = min(mark, row.id - 1)
        if questions:
            session.execute(insert(Question), questions)
    return mark


def _conversation_rows(session: Session, ids: Iterable[str]) -> Iterator[list]:
    """Each conversation's activity rows in order."""
    table = Activity.__table__
    query = select(table).where(table.c.conversation_id.in_(list(ids)))
    grouped: dict[str, list] = defaultdict(list)
    for row in session.execute(query.order_by(table.c.at, table.c.id)):
        grouped[row.conversation_id].append(row)
    yield from grouped.values()


def _rebuild_conversations(session: Session, ids: set[str], now: datetime, window: timedelta) -> set:
    """Rebuild the facts of these conversations from their rows; returns the days whose sums changed."""
    days: set = set()
    for batch in batched(sorted(ids), KEYS):
        clusters = dict(
            session.execute(
                select(Question.activity_id, Question.cluster_id).where(
                    Question.conversation_id.in_(batch), Question.cluster_id.is_not(None)
                )
            ).all()
        )
        old = session.scalars(select(ConversationFacts.day).where(ConversationFacts.conversation_id.in_(batch)))
        days.update(old)
        session.execute(delete(ConversationFacts).where(ConversationFacts.conversation_id.in_(batch)))
        rows = []
        for activity in _conversation_rows(session, batch):
            facts = facts_of(activity, clusters)
            days.add(day_of(facts.started_at))
            rows.append(_row(facts, now, window))
        if rows:
            session.execute(insert(ConversationFacts), rows)
    return days


def _row(facts: Facts, now: datetime, window: timedelta) -> dict:
    """A conversation's roll-up row, its outcome left pending until `_settle` decides it."""
    return {
        **{name: getattr(facts, name) for name in FACT_FIELDS},
        "day": day_of(facts.started_at),
        "outcome": "pending",
        "deflected": False,
        "window_ends_at": facts.ended_at + window,
    }


def _facts(row: ConversationFacts) -> Facts:
    """The definitions' view of a stored conversation (times with their zone: SQLite hands them back naive)."""
    facts = Facts(**{name: getattr(row, name) for name in FACT_FIELDS})
    facts.started_at, facts.ended_at = as_utc(facts.started_at), as_utc(facts.ended_at)
    return facts


def _settle(session: Session, ids: set[str], now: datetime, window: timedelta) -> set:
    """Decide the outcome of these conversations, of the pending ones whose window ended, and of their visitors'
    earlier ones a new conversation may have recontacted; returns the days whose sums changed."""
    c = ConversationFacts
    due = select(c.conversation_id).where(c.outcome == "pending", c.window_ends_at <= now)
    ids = ids | set(session.scalars(due))
    days: set = set()
    for batch in batched(sorted(ids), KEYS):
        mine = list(session.scalars(select(c).where(c.conversation_id.in_(batch))))
        visitors = {row.visitor for row in mine if row.visitor}
        earliest = min((as_utc(row.started_at) for row in mine), default=now) - window
        neighbours = session.scalars(select(c).where(c.visitor.in_(visitors), c.started_at >= earliest)).all()
        by_visitor: dict[str, list[Facts]] = defaultdict(list)
        for row in neighbours:
            by_visitor[row.visitor].append(_facts(row))
        changes = []
        for row in {r.conversation_id: r for r in [*mine, *neighbours]}.values():
            decided = outcome(_facts(row), by_visitor.get(row.visitor, ()), now=now, window=window)
            if decided != (row.outcome, row.deflected):
                changes.append({"conversation_id": row.conversation_id, "outcome": decided[0], "deflected": decided[1]})
                days.add(row.day)
        if changes:
            session.execute(update(ConversationFacts), changes)
    return days


def _rebuild_swarms(session: Session, ids: set[int], touched: Touched) -> None:
    """Rebuild these swarms from their rows; their cases are rebuilt after (a swarm marks its case)."""
    if not ids:
        return
    known = session.scalar(select(func.min(SwarmFacts.started_at)).where(SwarmFacts.swarm_id.in_(ids)))
    since = min([midnight(day) for day in touched.days] + ([as_utc(known)] if known else []))
    query = select(Activity).where(Activity.kind.in_(SWARM_KINDS), Activity.at >= since).order_by(Activity.at)
    grouped: dict[int, list] = defaultdict(list)
    for row in session.scalars(query):
        if _swarm_id(row) in ids:
            grouped[_swarm_id(row)].append(row)
    session.execute(delete(SwarmFacts).where(SwarmFacts.swarm_id.in_(ids)))
    for swarm_id, rows in grouped.items():
        started = next((r for r in rows if r.kind == "swarm_started"), None)
        if started is None:
            continue
        joined = [r for r in rows if r.kind == "swarm_joined" and r.actor_id not in (None, started.actor_id)]
        first = (as_utc(joined[0].at) - as_utc(started.at)).total_seconds() if joined else None
        session.add(
            SwarmFacts(swarm_id=swarm_id, case_id=started.case_id, channel=started.channel, started_at=started.at,
                       day=day_of(started.at), first_expert_seconds=first, experts=len({r.actor_id for r in joined}))
        )  # fmt: skip
        touched.days.add(day_of(started.at))
        if started.case_id is not None:
            touched.cases.add(started.case_id)
    session.flush()


def _rebuild_cases(session: Session, ids: set[int]) -> None:
    """Rebuild these cases from their rows, with their priority and tags from the cases table."""
    for batch in batched(sorted(ids), KEYS):
        grouped: dict[int, list] = defaultdict(list)
        for row in session.scalars(select(Activity).where(Activity.case_id.in_(batch)).order_by(Activity.at)):
            grouped[row.case_id].append(row)
        cases = {case.id: case for case in session.scalars(select(Case).where(Case.id.in_(batch)))}
        swarmed = set(session.scalars(select(SwarmFacts.case_id).where(SwarmFacts.case_id.in_(batch))))
        session.execute(delete(CaseFacts).where(CaseFacts.case_id.in_(batch)))
        for case_id, rows in grouped.items():
            opened = next((r.at for r in rows if r.kind == "case_opened"), None)
            resolved = next((r.at for r in rows if r.kind == "case_resolved"), None)
            case = cases.get(case_id)
            seconds = (as_utc(resolved) - as_utc(opened)).total_seconds() if opened and resolved else None
            session.add(
                CaseFacts(case_id=case_id, channel=rows[0].channel, opened_at=opened, resolved_at=resolved,
                          resolved_day=day_of(resolved) if resolved else None, resolution_seconds=seconds,
                          reopened=sum(r.kind == "case_reopened" for r in rows),
                          priority=case.priority if case else "normal",
                          tags=",".join(sorted(case.tags or []))[:200] if case else "", swarmed=case_id in swarmed)
            )  # fmt: skip
        session.flush()


def refresh(session: Session, *, window: timedelta, embed: Embed | None = None, now: datetime | None = None) -> dict:
    """Bring every roll-up up to the activity rows committed now; the caller commits. Returns what it did."""
    now = as_utc(now or utcnow())
    state = session.get(RefreshState, "activity") or RefreshState(name="activity", value=0)
    session.add(state)
    newest, start = session.scalar(select(func.max(Activity.id))) or 0, state.value
    touched = Touched()
    mark = _scan(session, start, newest, now, touched)
    if embed is not None:
        touched.conversations |= assign(session, embed)
    days = _rebuild_conversations(session, touched.conversations, now, window)
    days |= _settle(session, touched.conversations, now, window)
    _rebuild_swarms(session, touched.swarms, touched)
    _rebuild_cases(session, touched.cases)
    recomputed = daily.recompute(session, days | touched.days)
    state.value, state.at = mark, now
    return {"rows": newest - start, "conversations": len(touched.conversations), "days": recomputed}
