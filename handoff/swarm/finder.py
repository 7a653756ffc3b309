"""The expert finder: who to invite for the needed skills, most suitable first."""

from dataclasses import dataclass

SWARM_ROLES = frozenset({"expert", "agent"})  # who may be suggested or invited: an admin only with one of these


@dataclass(frozen=True)
class Person:
    """A possible expert as the finder sees them."""

    id: int
    name: str
    roles: frozenset[str]
    skills: frozenset[str]
    online: bool
    load: int  # conversations they hold now
    recent_swarms: int  # swarms they joined lately


@dataclass(frozen=True)
class Suggestion:
    """A ranked person with the needed skills they have."""

    person: Person
    matched: tuple[str, ...]

    @property
    def why(self) -> str:
        """A short reason the owner reads beside the name."""
        skills = ", ".join(self.matched) if self.matched else "no needed skill"
        presence = "online" if self.person.online else "offline"
        return f"{skills} · {presence} · {self.person.load} chats · {self.person.recent_swarms} recent swarms"


def may_swarm(person: Person) -> bool:
    """True if the person holds a role that can be invited."""
    return bool(person.roles & SWARM_ROLES)


def rank(people: list[Person], needed: list[str], *, exclude: set[int]) -> list[Suggestion]:
    """Order by skills matched, then online first, then least busy (chats + recent swarms), then id."""
    wanted = set(needed)
    found = [
        Suggestion(person, tuple(sorted(wanted & person.skills)))
        for person in people
        if may_swarm(person) and person.id not in exclude
    ]
    return sorted(
        found, key=lambda s: (-len(s.matched), not s.person.online, s.person.load + s.person.recent_swarms, s.person.id)
    )
