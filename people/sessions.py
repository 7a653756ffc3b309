"""Sign-in sessions and API tokens as an admin sees them: opened, listed, revoked."""

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import as_utc
from people.models import ApiToken, StaffSession, User, utcnow
from people.service import hash_token

CLIENT_CHARS = 200


def open_session(*, session: Session, user: User, client: str) -> str:
    """Record a new sign-in for `user` from `client` (its User-Agent); returns the session id for the cookie."""
    sid = secrets.token_urlsafe(32)
    session.add(StaffSession(user_id=user.id, sid_hash=hash_token(sid), client=client[:CLIENT_CHARS]))
    session.commit()
    return sid


def live_session(*, session: Session, sid: str, max_age_seconds: int) -> StaffSession | None:
    """The session behind a cookie's id while it is neither revoked nor older than `max_age_seconds`."""
    found = session.scalar(select(StaffSession).where(StaffSession.sid_hash == hash_token(sid)))
    if found is None or found.revoked_at is not None:
        return None
    return found if as_utc(found.created_at) > utcnow() - timedelta(seconds=max_age_seconds) else None


def end_session(*, session: Session, sid: str) -> None:
    """Revoke the session behind a cookie's id (logging out); nothing happens for an unknown id."""
    found = session.scalar(select(StaffSession).where(StaffSession.sid_hash == hash_token(sid)))
    if found is not None and found.revoked_at is None:
        found.revoked_at = utcnow()
        session.commit()


def sessions_of(*, session: Session, user: User, max_age_seconds: int) -> list[StaffSession]:
    """The person's sessions that still let them in, newest first."""
    since = utcnow() - timedelta(seconds=max_age_seconds)
    rows = session.scalars(
        select(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.revoked_at.is_(None), StaffSession.created_at > since)
        .order_by(StaffSession.id.desc())
    )
    return list(rows)


def revoke_session(*, session: Session, user: User, session_id: int) -> bool:
    """Revoke one of the person's sessions; False if they have no such live session."""
    found = session.get(StaffSession, session_id)
    if found is None or found.user_id != user.id or found.revoked_at is not None:
        return False
    found.revoked_at = utcnow()
    session.commit()
    return True


def tokens_of(*, session: Session, user: User) -> list[ApiToken]:
    """The person's API tokens, newest first (names and dates; never the tokens)."""
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def revoke_token(*, session: Session, user: User, token_id: int) -> bool:
    """Delete one of the person's API tokens (it stops working at once); False if they have no such token."""
    found = session.get(ApiToken, token_id)
    if found is None or found.user_id != user.id:
        return False
    session.delete(found)
    session.commit()
    return True
