"""Hand-built histories: activity rows written straight into the test database, each test in days of its own (the
database is shared by the run), and the roll-ups refreshed as the scheduler would."""

import itertools
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from analytics.period import Period
from analytics.refresh import refresh
from core.activity import record

_DAYS = itertools.count()  # each history starts 20 days after the last one, in a year nobody else writes to


class History:
    """Activity rows of made-up conversations, minutes after the history's start."""

    def __init__(self, session) -> None:
        self.session = session
        self.start = datetime(2003, 1, 1, 9, tzinfo=UTC) + timedelta(days=20 * next(_DAYS))

    @property
    def day(self) -> date:
        """The history's first day."""
        return self.start.date()

    def at(self, minutes: float) -> datetime:
        """A time this many minutes after the start."""
        return self.start + timedelta(minutes=minutes)

    def add(self, kind: str, minutes: float, conversation: str | None = None, **fields) -> None:
        """One row, `minutes` after the start."""
        record(self.session, kind, at=self.at(minutes), conversation_id=conversation, **fields)
        self.session.flush()

    def conversation(self, *steps: tuple, visitor: str | None = None, channel: str = "chat") -> str:
        """A conversation of (kind, minutes, fields…) steps; returns its id."""
        conversation = str(uuid.uuid4())
        for kind, minutes, *fields in steps:
            self.add(kind, minutes, conversation, visitor=visitor, channel=channel, **(fields[0] if fields else {}))
        return conversation

    def refresh(self, *, hours_later: float = 24 * 10, embed=None) -> dict:
        """Refresh the roll-ups as of `hours_later` after the start, and commit."""
        done = refresh(
            self.session, window=timedelta(hours=72), embed=embed, now=self.start + timedelta(hours=hours_later)
        )
        self.session.commit()
        return done

    def period(self, days: int = 15, channel: str = "all") -> Period:
        """The history's days."""
        return Period(self.day, self.day + timedelta(days=days - 1), channel)


@pytest.fixture
def history(app_env):
    """A history of this test's own in the test database."""
    from core.db import get_session_factory

    with get_session_factory()() as session:
        yield History(session)


@pytest.fixture(scope="session")
def embed():
    """The sentence embedder retrieval uses (all-MiniLM-L6-v2 on ONNX Runtime), one thread."""
    from retrieval.embedder import Embedder

    return Embedder(backend="onnx", threads=1).encode


def visitor() -> str:
    """A visitor id of its own."""
    return f"visitor-{uuid.uuid4().hex[:12]}"
