"""Who is calling: staff session cookies with CSRF protection, bearer API tokens, and the roles they hold.

The FastAPI dependencies built on these (`AgentDep`, …) live in `app/deps.py`."""

import hmac
import secrets
from dataclasses import dataclass

from fastapi import HTTPException, Request, Response, status
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from core.settings import Settings
from people import service as people
from people import sessions

SESSION_COOKIE = "swarmdesk_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Principal:
    """An authenticated staff member or service client."""

    user_id: int | None
    display_name: str
    roles: frozenset[str]
    csrf_token: str | None = None

    def has_any(self, roles: tuple[str, ...]) -> bool:
        """True if this principal holds one of `roles`; admins pass every check."""
        return "admin" in self.roles or bool(self.roles.intersection(roles))


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    """The signer for session cookies."""
    return URLSafeTimedSerializer(settings.secret_key, salt="swarmdesk-session")


def start_session(response: Response, *, sid: str, settings: Settings) -> None:
    """Set a signed, HttpOnly, SameSite session cookie carrying the server-side session's id and a CSRF token."""
    value = _serializer(settings).dumps({"sid": sid, "csrf": secrets.token_urlsafe(24)})
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=settings.session_max_age_seconds,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
    )


def end_session(response: Response, *, raw: str | None, session: Session, settings: Settings) -> None:
    """End the session the cookie names (it no longer works, even if a copy of it is replayed) and remove it."""
    data = _cookie_data(raw, settings)
    if data:
        sessions.end_session(session=session, sid=data["sid"])
    response.delete_cookie(SESSION_COOKIE, httponly=True, secure=settings.cookie_secure, samesite="lax")


def _from_bearer(token: str, *, session: Session, settings: Settings) -> Principal | None:
    """Resolve a bearer token: the bot's service token from settings, or a stored API token."""
    if hmac.compare_digest(token, settings.bot_service_token):
        return Principal(user_id=None, display_name="Virtual agent", roles=frozenset({"service"}))
    user = people.user_for_token(session=session, token=token)
    if user is None:
        return None
    return Principal(user_id=user.id, display_name=user.display_name, roles=user.role_set)


def staff_from_cookie(raw: str | None, *, session: Session, settings: Settings) -> Principal | None:
    """Resolve a session cookie's value to an active staff member whose session was not ended, or None."""
    data = _cookie_data(raw, settings)
    if not data:
        return None
    live = sessions.live_session(session=session, sid=data["sid"], max_age_seconds=settings.session_max_age_seconds)
    user = session.get(people.User, live.user_id) if live is not None else None
    if user is None or not user.active:
        return None
    return Principal(user_id=user.id, display_name=user.display_name, roles=user.role_set, csrf_token=data["csrf"])


def _cookie_data(raw: str | None, settings: Settings) -> dict | None:
    """The signed content of a session cookie ({"sid", "csrf"}), or None if it is missing, forged or expired."""
    if not raw:
        return None
    try:
        data = _serializer(settings).loads(raw, max_age=settings.session_max_age_seconds)
    except BadSignature:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("sid"), str) else None


def _from_cookie(request: Request, *, session: Session, settings: Settings) -> Principal | None:
    """Resolve the session cookie; cookie-authenticated writes must echo the CSRF token."""
    principal = staff_from_cookie(request.cookies.get(SESSION_COOKIE), session=session, settings=settings)
    if principal is not None and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent, principal.csrf_token or ""):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or wrong CSRF token (X-CSRF-Token header)")
    return principal


def principal_of(request: Request, *, session: Session, settings: Settings) -> Principal | None:
    """The caller if authenticated (bearer token first, then session cookie), else None."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return _from_bearer(header.removeprefix("Bearer ").strip(), session=session, settings=settings)
    return _from_cookie(request, session=session, settings=settings)
