"""A case service over the real test database, with a clock the test moves."""

from datetime import UTC, datetime, timedelta

import pytest

from cases import Actor, CaseCreate, CaseService, EventBus
from cases.models import Base
from core.db import make_engine


class Clock:
    """A controllable clock: starts at a fixed instant, moved by `advance`."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        """Move the clock forward."""
        self.now += timedelta(**delta)


AGENT = Actor("user:1", "Ana Agent")


@pytest.fixture(scope="module")
def engine(database_url):
    """One engine per module over the migrated test database."""
    engine = make_engine(database_url)
    assert "cases" in Base.metadata.tables
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    """A clock at 2026-11-23 09:00 UTC."""
    return Clock()


@pytest.fixture
def published() -> list:
    """Domain events published after commits."""
    return []


@pytest.fixture
def service(engine, clock, published):
    """A case service whose bus records what it publishes."""
    from sqlalchemy.orm import Session

    bus = EventBus()
    for kind in ("case.created", "case.public_update", "case.resolved", "case.status_changed"):
        bus.subscribe(kind, published.append)
    with Session(engine, expire_on_commit=False) as session:
        yield CaseService(session, bus=bus, clock=clock)


def new_case(service, **fields):
    """Create and commit a case with sensible defaults."""
    data = {"customer_email": "mia@example.com", "customer_name": "Mia", "subject": "Hub shows E-101"} | fields
    case = service.create(CaseCreate(**data), AGENT)
    service.commit()
    return case
