"""UTC days: the day of a time in SQL and in Python, and runs of consecutive days."""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, literal_column
from sqlalchemy.orm import Session

from core.db import as_utc


def day_of(moment: datetime) -> date:
    """The UTC day of a time."""
    return as_utc(moment).astimezone(UTC).date()


def midnight(day: date) -> datetime:
    """The start of a UTC day."""
    return datetime.combine(day, time(), UTC)


def as_date(value) -> date:
    """A day as SQL hands it back (SQLite: text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def sql_day(session: Session, column):
    """The UTC day of a time column, in the session's SQL dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone(literal_column("'UTC'"), column))
    return func.date(column)


def runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) pairs."""
    found: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if found and found[-1][1] + timedelta(days=1) == day:
            found[-1] = (found[-1][0], day)
        else:
            found.append((day, day))
    return found
