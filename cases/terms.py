"""The terms the case service is called in: who acted, the case list's filter, and the refusals it raises."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who did something: `ref` is "user:<id>", "customer", "bot" or "system"."""

    ref: str
    name: str

    @property
    def user_id(self) -> int | None:
        """The staff user id, if a staff member."""
        return int(self.ref.split(":", 1)[1]) if self.ref.startswith("user:") else None


SYSTEM = Actor("system", "Swarmdesk")


class CaseNotFound(LookupError):
    """No case with that number (the API answers 404)."""


class VersionConflict(Exception):
    """The case changed since the caller read it (the API answers 409); nothing was written."""


class TooLarge(ValueError):
    """A text over the limit (the API answers 413); the message names the field."""


@dataclass(frozen=True)
class CaseFilter:
    """Filters and page of the agents' case list."""

    status: str | None = None
    priority: str | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    tag: str | None = None
    breached: bool | None = None
    customer_email: str | None = None
    page: int = 1
    per_page: int = 25
