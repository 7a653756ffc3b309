"""Tables and schemas for staff accounts and their API tokens."""

from datetime import UTC, datetime

from pydantic import BaseModel, EmailStr, Field, field_validator
from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROLES = ("agent", "expert", "editor", "admin")


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


class UserCreate(BaseModel):
    """Input for creating a staff account."""

    email: EmailStr
    display_name: str = Field(min_length=1, max_length=120)
    password: str = Field(min_length=10, max_length=200)
    roles: list[str] = Field(min_length=1)

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, roles: list[str]) -> list[str]:
        """Reject roles Swarmdesk does not know."""
        unknown = sorted(set(roles) - set(ROLES))
        if unknown:
            raise ValueError(f"unknown role(s) {', '.join(unknown)}; choose from {', '.join(ROLES)}")
        return sorted(set(roles))


class UserRead(BaseModel):
    """A staff account as the admin API shows it."""

    id: int
    email: str
    display_name: str
    roles: list[str]
    active: bool


class TokenCreate(BaseModel):
    """Input for issuing an API token."""

    name: str = Field(min_length=1, max_length=120)
