"""What happened in a swarm, as one self-contained notice."""

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

KINDS = ("invited", "joined", "declined", "answer_proposed", "closed", "mentioned")


def utc_now_iso() -> str:
    """The current UTC time as ISO-8601 with a trailing Z, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class SwarmNotice:
    """One swarm event for the people concerned; `kind` is one of KINDS."""

    kind: str
    swarm_id: int
    case_number: str
    case_subject: str
    actor: str
    recipients: list[str]
    text: str
    url: str
    at: str = field(default_factory=utc_now_iso)

    def __post_init__(self) -> None:
        """Refuse an unknown kind early, where the mistake is made."""
        if self.kind not in KINDS:
            raise ValueError(f"unknown swarm notice kind {self.kind!r} (known: {', '.join(KINDS)})")

    @property
    def event(self) -> str:
        """The event name receivers see, e.g. "swarm.invited"."""
        return f"swarm.{self.kind}"

    def to_json(self) -> dict:
        """A JSON-ready dict of every field."""
        return {**asdict(self), "recipients": list(self.recipients)}

    @classmethod
    def from_json(cls, data: dict) -> "SwarmNotice":
        """The notice `to_json` produced (unknown keys are ignored)."""
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})
