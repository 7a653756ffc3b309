"""Tables and schemas for staff accounts, their sign-in sessions and their API tokens."""

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, EmailStr, Field
from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.inputs import RequestBody

ROLES = ("agent", "expert", "editor", "lead", "admin")
SKILL_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,39}")
MAX_SKILLS = 20
SKILLS_MAX_CHARS = 400  # the width of users.skills


def utcnow() -> datetime:
    """Return the current time in UTC (timezone-aware)."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of the people tables; times are stored timezone-aware."""

    type_annotation_map = {datetime: DateTime(timezone=True)}


class User(Base):
    """A staff account; `roles` is a space-separated subset of ROLES, `skills` space-separated words."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[str] = mapped_column(String(100), default="")
    skills: Mapped[str] = mapped_column(String(400), default="")
    capacity: Mapped[int] = mapped_column(default=3)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def role_set(self) -> frozenset[str]:
        """The roles this person holds."""
        return frozenset(self.roles.split())

    @property
    def skill_list(self) -> list[str]:
        """The skills this person takes conversations for (none listed: a generalist, offered any)."""
        return self.skills.split()


class ApiToken(Base):
    """A bearer token for a service client, stored as a SHA-256 hash."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffSession(Base):
    """A signed-in browser: the cookie names it by a random id (stored as a SHA-256 hash); logging out or an
    admin revoking it ends it at once."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sid_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


def check_roles(roles: list[str]) -> list[str]:
    """Reject roles Swarmdesk does not know; return the roles sorted, each once."""
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise ValueError(f"unknown role(s) {', '.join(unknown)}; choose from {', '.join(ROLES)}")
    return sorted(set(roles))


def check_skills(skills: list[str]) -> list[str]:
    """Reject skills that are not lowercase words, or too many; return them in order, each once."""
    for skill in skills:
        if not SKILL_PATTERN.fullmatch(skill):
            raise ValueError(f"skill {skill!r} is not a lowercase word (a-z, then a-z 0-9 _ -; up to 40 characters)")
    unique = list(dict.fromkeys(skills))
    if len(unique) > MAX_SKILLS or len(" ".join(unique)) > SKILLS_MAX_CHARS:
        raise ValueError(f"at most {MAX_SKILLS} skills ({SKILLS_MAX_CHARS} characters together)")
    return unique


DisplayName = Annotated[str, Field(min_length=1, max_length=120)]
ROLE_ITEMS = {"items": {"type": "string", "enum": list(ROLES)}}
Roles = Annotated[list[str], Field(min_length=1, json_schema_extra=ROLE_ITEMS), AfterValidator(check_roles)]
SKILL_ITEMS = {"items": {"type": "string", "pattern": f"^{SKILL_PATTERN.pattern}$"}}
Skills = Annotated[list[str], Field(json_schema_extra=SKILL_ITEMS), AfterValidator(check_skills)]
Capacity = Annotated[int, Field(ge=0, le=50, description="concurrent conversations")]


class UserCreate(RequestBody):
    """Input for creating a staff account."""

    email: EmailStr
    display_name: DisplayName
    password: str = Field(min_length=10, max_length=200)
    roles: Roles
    skills: Skills = []
    capacity: Capacity = 3


class UserUpdate(RequestBody):
    """Input for changing a staff account; fields left out (or null) stay as they are."""

    display_name: DisplayName | None = None
    roles: Roles | None = None
    skills: Skills | None = None
    capacity: Capacity | None = None
    active: bool | None = None


class UserRead(BaseModel):
    """A staff account as the admin API shows it."""

    id: int
    email: str
    display_name: str
    roles: list[str]
    skills: list[str]
    capacity: int
    active: bool


class TokenCreate(RequestBody):
    """Input for issuing an API token."""

    name: str = Field(min_length=1, max_length=120)
