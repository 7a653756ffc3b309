"""Keep the roll-ups current: read the activity rows added since the last refresh, rebuild the conversations,
cases and swarms they touch, settle the conversations whose recontact window ended, and recompute the touched days.

Database ids do not commit in order, so rows younger than LAG are read again next time; every step rebuilds from
the raw rows, so reading a row twice changes nothing."""

import bisect
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from analytics import daily
from analytics.clusters import Embed, assign, scrubbed
from analytics.days import day_of, midnight
from analytics.models import CaseFacts, ConversationFacts, Question, RefreshState, SwarmFacts
from analytics.outcomes import QUESTION_KINDS, Facts, facts_of, first_visitor, outcome
from cases.activity import CHATS, email_visitor
from cases.models import Case, CaseConversation
from core.activity import Activity, utcnow
from core.db import as_utc

LAG = timedelta(minutes=2)  # longer than any transaction that writes an activity row stays open
SCAN = 50_000  # activity ids read per round trip
MOST = 500_000  # activity ids one refresh reads at most: a long backlog is caught up over several rounds
KEYS = 500  # conversations or cases rebuilt per round trip
FACTS = ConversationFacts.__table__
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
                     "at": row.at, "day": day_of(row.at), "text": scrubbed(text.strip()[:1000])}
                )  # fmt: skip
            if as_utc(row.at) > young:
                mark = min(mark, row.id - 1)
        if questions:
            session.execute(Question.__table__.insert(), questions)
    return mark


def _conversation_rows(session: Session, ids: Iterable[str]) -> Iterator[list]:
    """Each conversation's activity rows in order."""
    table = Activity.__table__
    query = select(table).where(table.c.conversation_id.in_(list(ids)))
    grouped: dict[str, list] = defaultdict(list)
    for row in session.execute(query.order_by(table.c.at, table.c.id)):
        grouped[row.conversation_id].append(row)
    yield from grouped.values()


def identities(session: Session, visitors: set[str]) -> dict[str, str]:
    """Widget visitor → the hash of the email the desk knows them by: the customer email of the case first linked to
    one of the visitor's chats (`case_conversations`: the chat a case was opened from, or one an agent linked to a
    case; `conversations.visitor_hash` names the visitor), as the desk's earlier chats of a customer
    (handoff/customers.py). Visitors no case names are left out. Only the hash leaves this function."""
    if not visitors:
        return {}
    query = (
        select(CHATS.c.visitor_hash, Case.customer_email)
        .join(CaseConversation, CaseConversation.conversation_id == CHATS.c.id)
        .join(Case, Case.id == CaseConversation.case_id)
        .where(CHATS.c.visitor_hash.in_(visitors))
        .order_by(CaseConversation.id)
    )
    found: dict[str, str] = {}
    for visitor, email in session.execute(query):
        found.setdefault(visitor, email_visitor(email))
    return found


def _rebuild_conversations(session: Session, ids: set[str], now: datetime, window: timedelta) -> set:
    """Rebuild these conversations from their rows and decide their outcomes, and those of their visitors' other
    conversations a new start may have recontacted; returns the days whose sums changed.

    A conversation's visitor is its customer's email hash once a case names it (`identities`). A visitor's stored
    conversations still under the widget's hash were rolled up before that case: they are rebuilt too, so a link
    learned later reaches the earlier chats (and, through them, the other chats of the same email)."""
    days: set = set()
    done: set[str] = set()
    while ids:
        done |= ids
        stale: set[str] = set()
        for batch in batched(sorted(ids), KEYS):
            days |= _rebuild_batch(session, batch, now, window, stale)
        ids = stale - done
    return days


def _rebuild_batch(session: Session, batch: list[str], now: datetime, window: timedelta, stale: set[str]) -> set:
    """Rebuild one batch of conversations (see `_rebuild_conversations`); adds to `stale` the stored conversations
    of its visitors still rolled up under the widget's hash though a case names them now."""
    days: set = set()
    clusters = dict(
        session.execute(
            select(Question.activity_id, Question.cluster_id).where(
                Question.conversation_id.in_(batch), Question.cluster_id.is_not(None)
            )
        ).all()
    )
    days.update(session.scalars(select(FACTS.c.day).where(FACTS.c.conversation_id.in_(batch))))
    session.execute(delete(FACTS).where(FACTS.c.conversation_id.in_(batch)))
    conversations = list(_conversation_rows(session, batch))
    known = identities(session, {visitor for rows in conversations if (visitor := first_visitor(rows))})
    if known:
        stale.update(session.scalars(select(FACTS.c.conversation_id).where(FACTS.c.visitor.in_(list(known)))))
    built = [facts_of(rows, clusters, known) for rows in conversations]
    stored = _neighbours(session, built, window)
    together = _by_visitor([*built, *(_facts(row) for row in stored)])
    rows = []
    for facts in built:
        decided = outcome(facts, together.get(facts.visitor, ()), now=now, window=window)
        rows.append(_row(facts, decided, window))
        days.add(day_of(facts.started_at))
    if rows:
        session.execute(FACTS.insert(), rows)
    starts = sorted(facts.started_at for facts in built)
    days |= _decide(session, [row for row in stored if _may_be_recontacted(row, starts)], together, now, window)
    return days


def _neighbours(session: Session, built: list[Facts], window: timedelta) -> list:
    """The stored conversations of these conversations' visitors that could recontact them or be recontacted."""
    visitors = {facts.visitor for facts in built if facts.visitor}
    if not visitors:
        return []
    c = FACTS.c
    earliest = min(facts.started_at for facts in built) - window
    latest = max(facts.ended_at for facts in built) + window
    query = select(FACTS).where(c.visitor.in_(visitors), c.started_at >= earliest, c.started_at <= latest)
    return session.execute(query).all()


def _by_visitor(facts: list[Facts]) -> dict[str, list[Facts]]:
    """Conversations grouped by their visitor."""
    grouped: dict[str, list[Facts]] = defaultdict(list)
    for one in facts:
        if one.visitor:
            grouped[one.visitor].append(one)
    return grouped


def _row(facts: Facts, decided: tuple[str, bool], window: timedelta) -> dict:
    """A conversation's roll-up row."""
    return {
        **{name: getattr(facts, name) for name in FACT_FIELDS},
        "day": day_of(facts.started_at),
        "outcome": decided[0],
        "deflected": decided[1],
        "window_ends_at": facts.ended_at + window,
    }


def _facts(row) -> Facts:
    """The definitions' view of a stored conversation (times with their zone: SQLite hands them back naive)."""
    facts = Facts(**{name: getattr(row, name) for name in FACT_FIELDS})
    facts.started_at, facts.ended_at = as_utc(facts.started_at), as_utc(facts.ended_at)
    return facts


def _may_be_recontacted(row, starts: list[datetime]) -> bool:
    """Whether one of these new starts falls in the stored conversation's recontact window."""
    begin, end = as_utc(row.started_at), as_utc(row.window_ends_at)
    at = bisect.bisect_right(starts, begin)
    return at < len(starts) and starts[at] <= end


def _decide(session: Session, stored: list, together: dict, now: datetime, window: timedelta) -> set:
    """Decide stored conversations again and write the outcomes that changed; returns their days."""
    c, days, changes = FACTS.c, set(), []
    for row in stored:
        decided = outcome(_facts(row), together.get(row.visitor, ()), now=now, window=window)
        if decided != (row.outcome, row.deflected):
            changes.append({"key": row.conversation_id, "decided": decided[0], "flag": decided[1]})
            days.add(row.day)
    if changes:
        decide = update(FACTS).where(c.conversation_id == bindparam("key"))
        session.execute(decide.values(outcome=bindparam("decided"), deflected=bindparam("flag")), changes)
    return days


def _settle_due(session: Session, now: datetime, window: timedelta) -> set:
    """Decide the pending conversations whose recontact window has ended; returns the days whose sums changed."""
    c, days = FACTS.c, set()
    due = session.execute(select(FACTS).where(c.outcome == "pending", c.window_ends_at <= now)).all()
    for batch in batched(due, KEYS):
        together = _by_visitor([_facts(row) for row in _neighbours(session, [_facts(row) for row in batch], window)])
        days |= _decide(session, batch, together, now, window)
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


def reread(session: Session, first_id: int) -> None:
    """Read the activity rows from `first_id` on again at the next refresh, their questions too: rows whose times
    changed after they were read (the demo history moves its conversations into the past)."""
    session.execute(delete(Question).where(Question.activity_id >= first_id))
    state = session.get(RefreshState, "activity")
    if state is not None and state.value >= first_id:
        state.value = first_id - 1


def refresh(session: Session, *, window: timedelta, embed: Embed | None = None, now: datetime | None = None) -> dict:
    """Bring every roll-up up to the activity rows committed now (at most MOST rows further); the caller commits.
    Returns what it did: `rows` read, `conversations` rebuilt, `days` recomputed, `behind`: rows left to read."""
    now = as_utc(now or utcnow())
    state = session.get(RefreshState, "activity") or RefreshState(name="activity", value=0)
    session.add(state)
    start = state.value
    newest = min(session.scalar(select(func.max(Activity.id))) or 0, start + MOST)
    touched = Touched()
    mark = _scan(session, start, newest, now, touched)
    if embed is not None:
        touched.conversations |= assign(session, embed)
    days = _rebuild_conversations(session, touched.conversations, now, window)
    days |= _settle_due(session, now, window)
    _rebuild_swarms(session, touched.swarms, touched)
    _rebuild_cases(session, touched.cases)
    recomputed = daily.recompute(session, days | touched.days)
    state.value, state.at = mark, now
    behind = (session.scalar(select(func.max(Activity.id))) or 0) - newest
    return {"behind": behind, "rows": newest - start, "conversations": len(touched.conversations), "days": recomputed}
