"""Data functions for staff accounts and API tokens."""

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from people.models import ApiToken, User, UserCreate, UserUpdate

_hasher = PasswordHasher()
TOKEN_PREFIX = "sd_"


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest under which a bearer token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def get_by_email(*, session: Session, email: str) -> User | None:
    """Find an account by email (case-insensitive)."""
    return session.scalar(select(User).where(User.email == email.lower()))


def create_user(*, session: Session, data: UserCreate) -> User:
    """Create an account with an argon2-hashed password."""
    user = User(
        email=data.email.lower(),
        display_name=data.display_name,
        password_hash=_hasher.hash(data.password),
        roles=" ".join(data.roles),
        skills=" ".join(data.skills),
        capacity=data.capacity,
    )
    session.add(user)
    session.commit()
    return user


def update_user(*, session: Session, user: User, data: UserUpdate) -> User:
    """Apply the fields `data` sets (None: unchanged); roles and skills are stored space-separated."""
    for field, value in data.model_dump(exclude_none=True).items():
        setattr(user, field, " ".join(value) if isinstance(value, list) else value)
    session.commit()
    return user


def authenticate(*, session: Session, email: str, password: str) -> User | None:
    """Return the active account with this email and password, or None."""
    user = get_by_email(session=session, email=email)
    if user is None or not user.active:
        _hasher.hash(password)  # spend the same time as a real check
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


def create_api_token(*, session: Session, user: User, name: str) -> str:
    """Issue a new bearer token for an account; the plain token is returned only once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name, token_hash=hash_token(token)))
    session.commit()
    return token


def user_for_token(*, session: Session, token: str) -> User | None:
    """Return the active account an API token belongs to, or None."""
    user = session.scalar(
        select(User).join(ApiToken, ApiToken.user_id == User.id).where(ApiToken.token_hash == hash_token(token))
    )
    return user if user is not None and user.active else None
