"""Staff sign-in pages and the admin API for accounts, their sessions and their API tokens."""

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.deps import AdminDep, Caller, CurrentStaff, SessionDep, SettingsDep, client_address
from app.openapi import refusals
from app.pages import staff_page, templates
from core.db import as_utc
from people import login_throttle, service, sessions
from people.auth import SESSION_COOKIE, Principal, end_session, start_session
from people.models import ROLES, TokenCreate, User, UserCreate, UserRead, UserUpdate

LOGIN_CSRF_COOKIE = "swarmdesk_login_csrf"
PEOPLE_PAGE = "/admin/people"
pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/admin", tags=["admin"], responses=refusals(401, 403, 409))


def _safe_next(target: str) -> str:
    """Only follow same-site paths after sign-in (never an open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") else "/account"


@pages.get("/login", response_class=HTMLResponse)
def login_form(request: Request, settings: SettingsDep, next: str = "/account") -> Response:
    """Show the sign-in form, with a double-submit CSRF token."""
    csrf = secrets.token_urlsafe(24)
    response = templates.TemplateResponse(request, "login.html", {"next": _safe_next(next), "csrf": csrf})
    response.set_cookie(LOGIN_CSRF_COOKIE, csrf, httponly=True, secure=settings.cookie_secure, samesite="strict")
    return response


@pages.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/account",
) -> Response:
    """Check the password and start a session; a failed or throttled attempt shows the form again with a reason."""
    if not secrets.compare_digest(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the sign-in form expired; reload the page and try again")
    context, address = {"next": _safe_next(next), "csrf": csrf_token, "email": email}, client_address(request)
    try:
        login_throttle.attempt(email=email, address=address, settings=settings)
    except HTTPException as refused:
        context["error"] = f"Too many sign-in attempts; try again in {refused.headers['Retry-After']} seconds."
        return templates.TemplateResponse(request, "login.html", context, refused.status_code, refused.headers)
    user = service.authenticate(session=session, email=email, password=password)
    if user is None:
        context["error"] = "Wrong email or password."
        return templates.TemplateResponse(request, "login.html", context, status_code=status.HTTP_401_UNAUTHORIZED)
    login_throttle.succeeded(email=email, address=address)
    response = RedirectResponse(_safe_next(next), status_code=status.HTTP_303_SEE_OTHER)
    sid = sessions.open_session(session=session, user=user, client=request.headers.get("user-agent", ""))
    start_session(response, sid=sid, settings=settings)
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@pages.post("/logout")
def logout(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """End the session on the server and clear its cookie (ending one's own session needs no further proof)."""
    response = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    end_session(response, raw=request.cookies.get(SESSION_COOKIE), session=session, settings=settings)
    return response


@pages.get("/account", response_class=HTMLResponse)
def account(request: Request, staff: CurrentStaff) -> Response:
    """Show who is signed in and with which roles."""
    return templates.TemplateResponse(request, "account.html", {"staff": staff})


@pages.get(PEOPLE_PAGE, response_class=HTMLResponse)
def people_page(request: Request, session: SessionDep, principal: Caller) -> Response:
    """List staff accounts with forms to add and edit them (admins; others are sent to sign in or refused)."""
    allowed = principal is not None and principal.has_any(("admin",))
    context = {
        "people": _all_users(session) if allowed else [],
        "roles": ROLES,
        "csrf": principal and principal.csrf_token,
    }
    return staff_page(request, principal, roles=("admin",), template="admin_people.html", context=context)


def _read(user: User) -> UserRead:
    """Convert an account to its admin view."""
    return UserRead(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        roles=sorted(user.role_set),
        skills=user.skill_list,
        capacity=user.capacity,
        active=user.active,
    )


def _all_users(session: Session) -> list[UserRead]:
    """Every staff account in the order they were created."""
    return [_read(user) for user in session.scalars(select(User).order_by(User.id))]


def _get_user(session: Session, user_id: int) -> User:
    """The account with this id (404 naming the id if there is none)."""
    user = session.get(User, user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no user {user_id}")
    return user


def _refuse_self_lockout(admin: Principal, user: User, data: UserUpdate) -> None:
    """Admins may not drop their own admin role or deactivate themselves (409 with the reason)."""
    if admin.user_id != user.id:
        return
    if data.roles is not None and "admin" not in data.roles:
        raise HTTPException(status.HTTP_409_CONFLICT, "roles: you cannot remove your own admin role; ask another admin")
    if data.active is False:
        raise HTTPException(status.HTTP_409_CONFLICT, "active: you cannot deactivate yourself; ask another admin")


@api.get("/users")
def list_users(admin: AdminDep, session: SessionDep) -> list[UserRead]:
    """List every staff account."""
    return _all_users(session)


@api.post("/users", status_code=status.HTTP_201_CREATED)
def create_user(data: UserCreate, admin: AdminDep, session: SessionDep) -> UserRead:
    """Create a staff account (409 if the email is taken)."""
    if service.get_by_email(session=session, email=data.email):
        raise HTTPException(status.HTTP_409_CONFLICT, f"email: {data.email} already has an account")
    return _read(service.create_user(session=session, data=data))


@api.patch("/users/{user_id}")
def update_user(user_id: int, data: UserUpdate, admin: AdminDep, session: SessionDep) -> UserRead:
    """Change an account's name, roles, skills, capacity or active flag; fields left out stay as they are."""
    user = _get_user(session, user_id)
    _refuse_self_lockout(admin, user, data)
    return _read(service.update_user(session=session, user=user, data=data))


@api.delete("/users/{user_id}/login-throttle")
def clear_login_throttle(user_id: int, admin: AdminDep, session: SessionDep) -> dict:
    """Lift an account's sign-in lockout (its failed attempts are forgotten)."""
    login_throttle.clear(_get_user(session, user_id).email)
    return {"cleared": True}


@api.post("/users/{user_id}/tokens", status_code=status.HTTP_201_CREATED)
def create_token(user_id: int, data: TokenCreate, admin: AdminDep, session: SessionDep) -> dict:
    """Issue an API token for an account; the token is shown only in this answer."""
    user = _get_user(session, user_id)
    return {"token": service.create_api_token(session=session, user=user, name=data.name)}


@api.get("/users/{user_id}/sessions")
def list_sessions(user_id: int, admin: AdminDep, session: SessionDep, settings: SettingsDep) -> list[dict]:
    """The account's signed-in browsers that still let them in: when, and from what client."""
    user = _get_user(session, user_id)
    live = sessions.sessions_of(session=session, user=user, max_age_seconds=settings.session_max_age_seconds)
    return [{"id": s.id, "created_at": as_utc(s.created_at).isoformat(), "client": s.client} for s in live]


@api.delete("/users/{user_id}/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_session(user_id: int, session_id: int, admin: AdminDep, session: SessionDep) -> Response:
    """Sign one browser out now; 404 if the account has no such live session."""
    if not sessions.revoke_session(session=session, user=_get_user(session, user_id), session_id=session_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"session_id: user {user_id} has no live session {session_id}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@api.get("/users/{user_id}/tokens")
def list_tokens(user_id: int, admin: AdminDep, session: SessionDep) -> list[dict]:
    """The account's API tokens by name and date (a token itself is shown only when issued)."""
    tokens = sessions.tokens_of(session=session, user=_get_user(session, user_id))
    return [{"id": t.id, "name": t.name, "created_at": as_utc(t.created_at).isoformat()} for t in tokens]


@api.delete("/users/{user_id}/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(user_id: int, token_id: int, admin: AdminDep, session: SessionDep) -> Response:
    """Revoke an API token now; 404 if the account has no such token."""
    if not sessions.revoke_token(session=session, user=_get_user(session, user_id), token_id=token_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"token_id: user {user_id} has no token {token_id}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
