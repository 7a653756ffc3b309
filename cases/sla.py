"""Service levels: first-response and resolution targets per priority, due times, pausing and breaches."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cases.models import Case

DEFAULT_FIRST_RESPONSE_MINUTES = {"urgent": 15, "high": 60, "normal": 240, "low": 1440}
DEFAULT_RESOLUTION_MINUTES = {"urgent": 240, "high": 1440, "normal": 4320, "low": 10080}


@dataclass(frozen=True)
class SlaPolicy:
    """Targets in minutes per priority; the resolution clock stops while the case waits on the customer."""

    first_response_minutes: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_FIRST_RESPONSE_MINUTES))
    resolution_minutes: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_RESOLUTION_MINUTES))

    def start(self, case: Case, now: datetime) -> None:
        """Set the due times of a new case."""
        case.first_response_due = now + timedelta(minutes=self.first_response_minutes[case.priority])
        case.resolution_due = now + timedelta(minutes=self.resolution_minutes[case.priority])

    def reprioritise(self, case: Case, old_priority: str) -> None:
        """Move the due times by the difference between the old and the new priority's targets."""
        first = self.first_response_minutes[case.priority] - self.first_response_minutes[old_priority]
        resolution = self.resolution_minutes[case.priority] - self.resolution_minutes[old_priority]
        case.first_response_due += timedelta(minutes=first)
        case.resolution_due += timedelta(minutes=resolution)


def pause(case: Case, now: datetime) -> None:
    """Stop the resolution clock (the case now waits on the customer)."""
    if case.paused_at is None:
        case.paused_at = now


def resume(case: Case, now: datetime) -> None:
    """Restart the resolution clock, pushing the due time back by the time spent paused."""
    if case.paused_at is not None:
        case.resolution_due += now - _aware(case.paused_at, now)
        case.paused_at = None


def restart_resolution(case: Case, policy: SlaPolicy, now: datetime) -> None:
    """A reopened case gets a fresh resolution target from now."""
    case.paused_at = None
    case.resolution_due = now + timedelta(minutes=policy.resolution_minutes[case.priority])
    case.resolution_breached = False


def breaches(case: Case, now: datetime) -> list[str]:
    """The targets this case has newly missed at `now`: "first_response" and/or "resolution"."""
    missed = []
    if (
        not case.first_response_breached
        and case.first_response_at is None
        and now > _aware(case.first_response_due, now)
    ):
        missed.append("first_response")
    if (
        not case.resolution_breached
        and case.status in {"new", "open"}
        and case.paused_at is None
        and now > _aware(case.resolution_due, now)
    ):
        missed.append("resolution")
    return missed


def _aware(moment: datetime, like: datetime) -> datetime:
    """SQLite returns naive datetimes for timezone columns: read them as UTC."""
    return moment.replace(tzinfo=like.tzinfo) if moment.tzinfo is None else moment
