"""The database engine and sessions (SQLite file by default, PostgreSQL by `DATABASE_URL`)."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from core.settings import get_settings


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite files get their folder, WAL mode, SQLITE_SYNCHRONOUS and enforced foreign keys."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        synchronous = get_settings().sqlite_synchronous

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")  # a Literal of two words, never user text
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    # More connections than request threads: a request thread waiting for a connection while the requests
    # holding them wait for a thread would deadlock (sync dependencies and endpoints take separate threads).
    # All of them stay open: connections over `pool_size` are closed on return, and PostgreSQL forks a
    # backend for each new one, which under load cost more than the queries.
    settings = get_settings()
    threads = settings.request_threads + settings.bot_turn_threads + settings.relay_threads
    return create_engine(url, pool_pre_ping=True, pool_size=threads + 5, max_overflow=5)


@lru_cache
def get_engine() -> Engine:
    """Return the process-wide engine for the configured database."""
    return make_engine(get_settings().database_url)


@lru_cache
def get_session_factory() -> sessionmaker[Session]:
    """Return the session factory bound to the process-wide engine."""
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


def release(session: Session) -> None:
    """End a read so its connection goes back to the pool before the request's next thread hop.

    Sync dependencies, the endpoint and the response's serialization each take a request thread; a connection
    held across a hop could leave every thread waiting for a connection that only a waiting request can give
    back. So dependencies release after reading, and hot endpoints end with a commit or a release. Loaded
    objects stay usable (sessions do not expire them on commit)."""
    session.commit()


async def get_session() -> AsyncIterator[Session]:
    """Yield one database session per request and close it afterwards.

    An async dependency on purpose: its clean-up runs on the event loop the moment the endpoint returns. A sync
    one would wait for a free request thread while holding the connection, and under load every thread could be
    waiting for a connection held that way."""
    session = get_session_factory()()
    try:
        yield session
    finally:
        session.close()


def as_utc(moment: datetime) -> datetime:
    """A stored time with its zone: UTC (SQLite hands back naive times; they were stored in UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
