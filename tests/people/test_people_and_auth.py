"""Accounts, sign-in with a session cookie and CSRF, API tokens, and role checks."""

import re
import uuid

import pytest

from ops import admin


@pytest.fixture
def people(client):
    """An admin and an agent (fresh emails per test), created with the admin command's function."""
    tag = uuid.uuid4().hex[:6]
    emails = {"admin": f"root-{tag}@lumora.example", "agent": f"agent-{tag}@lumora.example"}
    admin.create_user(emails["admin"], "Rita Root", ["admin"], "admin-password-1")
    admin.create_user(emails["agent"], "Alex Agent", ["agent", "expert"], "agent-password-1")
    client.emails = emails
    return client


def _sign_in(client, email: str, password: str):
    """Fill in and post the sign-in form as a browser would."""
    form = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf, "next": "/account"},
        follow_redirects=False,
    )


def test_sign_in_sets_a_secure_httponly_samesite_cookie(people):
    response = _sign_in(people, people.emails["agent"], "agent-password-1")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=lax" in cookie
    page = people.get("/account")
    assert "Alex Agent" in page.text and "expert" in page.text


def test_wrong_password_shows_the_form_again_with_a_reason(people):
    response = _sign_in(people, people.emails["agent"], "not-the-password")
    assert response.status_code == 401
    assert "Wrong email or password" in response.text


def test_sign_in_without_the_form_token_is_refused(people):
    response = people.post(
        "/login", data={"email": people.emails["agent"], "password": "agent-password-1", "csrf_token": "forged"}
    )
    assert response.status_code == 403


def test_cookie_writes_need_the_csrf_header_and_roles_are_checked(people):
    _sign_in(people, people.emails["admin"], "admin-password-1")
    body = {
        "email": f"new-{uuid.uuid4().hex[:6]}@lumora.example",
        "display_name": "Nia New",
        "password": "a-long-password",
        "roles": ["editor"],
    }
    assert people.post("/api/admin/users", json=body).status_code == 403  # no CSRF header
    csrf = _csrf_from_session(people)
    created = people.post("/api/admin/users", json=body, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201
    assert created.json()["roles"] == ["editor"]
    again = people.post("/api/admin/users", json=body, headers={"X-CSRF-Token": csrf})
    assert again.status_code == 409


def _csrf_from_session(client) -> str:
    """Read the CSRF token the signed session cookie carries."""
    from itsdangerous import URLSafeTimedSerializer

    raw = client.cookies.get("swarmdesk_session")
    return URLSafeTimedSerializer("test-secret-key", salt="swarmdesk-session").loads(raw)["csrf"]


def test_agents_cannot_use_the_admin_api_and_strangers_get_401(people):
    assert people.get("/api/admin/users").status_code == 401
    _sign_in(people, people.emails["agent"], "agent-password-1")
    response = people.get("/api/admin/users")
    assert response.status_code == 403
    assert "admin" in response.json()["detail"]


def test_api_tokens_authenticate_service_clients_without_cookies(people):
    token = admin.create_token(people.emails["admin"], "reporting")
    people.cookies.clear()
    listed = people.get("/api/admin/users", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200
    assert {u["email"] for u in listed.json()} >= {people.emails["admin"], people.emails["agent"]}
    assert people.get("/api/admin/users", headers={"Authorization": "Bearer sd_wrong"}).status_code == 401
    bot = people.get("/api/admin/users", headers={"Authorization": "Bearer test-bot-token"})
    assert bot.status_code == 403  # the bot's service token is not an admin


def test_validation_errors_name_the_field(people):
    token = admin.create_token(people.emails["admin"], "setup")
    response = people.post(
        "/api/admin/users",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "email": f"x-{uuid.uuid4().hex[:6]}@lumora.example",
            "display_name": "X",
            "password": "short",
            "roles": ["wizard"],
        },
    )
    assert response.status_code == 422
    fields = {error["loc"][-1] for error in response.json()["detail"]}
    assert fields == {"password", "roles"}


def test_passwords_are_stored_hashed_with_argon2(people):
    from core.db import get_session_factory
    from people import service

    with get_session_factory()() as session:
        user = service.get_by_email(session=session, email=people.emails["agent"])
        assert user.password_hash.startswith("$argon2")
        assert "agent-password-1" not in user.password_hash


def test_demo_people_are_seeded_once_with_their_logins_kept(client, tmp_path):
    from core.db import get_session_factory
    from people import service

    logins = tmp_path / "demo-logins.txt"
    with get_session_factory()() as session:
        already = {email for email, _, _ in admin.DEMO_PEOPLE if service.get_by_email(session=session, email=email)}
    text = admin.seed_demo(logins)
    assert admin.seed_demo(logins) == text
    for email, _, _ in admin.DEMO_PEOPLE:
        assert (email in text) == (email not in already)
    assert oct(logins.stat().st_mode & 0o777) == "0o600"


def _sign_in_from(client, address: str, email: str, password: str):
    """The sign-in form posted from `address` (behind the trusted proxy)."""
    forwarded = {"X-Forwarded-For": address}
    form = client.get("/login", headers=forwarded)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    data = {"email": email, "password": password, "csrf_token": csrf, "next": "/account"}
    return client.post("/login", data=data, headers=forwarded, follow_redirects=False)


def test_sign_in_is_throttled_per_account_until_an_admin_clears_it(own_queue, monkeypatch):
    from tests.conftest import app_client, staff_auth

    tag = uuid.uuid4().hex[:6]
    locked, other = f"lee-{tag}@lumora.example", f"mo-{tag}@lumora.example"
    for email in (locked, other):
        admin.create_user(email, "Lee Locked", ["agent"], "agent-password-1")
    root = staff_auth("Rita Root", ["admin"])
    settings = {"trusted_proxies": '["testclient"]', "login_attempts_per_account": 3, "login_attempts_per_address": 8}
    with app_client(monkeypatch, **settings) as client:
        wrong = [_sign_in_from(client, "198.51.100.7", locked, "wrong-password").status_code for _ in range(3)]
        refused = _sign_in_from(client, "198.51.100.7", locked, "agent-password-1")
        elsewhere = _sign_in_from(client, "203.0.113.5", other, "agent-password-1")
        users = client.get("/api/admin/users", headers=root).json()
        locked_id = next(user["id"] for user in users if user["email"] == locked)
        cleared = client.delete(f"/api/admin/users/{locked_id}/login-throttle", headers=root)
        after = _sign_in_from(client, "198.51.100.7", locked, "agent-password-1")
    assert wrong == [401, 401, 401]
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 900
    assert "Too many sign-in attempts" in refused.text
    assert elsewhere.status_code == 303
    assert cleared.status_code == 200 and after.status_code == 303


def test_one_address_gets_a_limited_number_of_sign_in_attempts(own_queue, monkeypatch):
    from tests.conftest import app_client

    email = f"pat-{uuid.uuid4().hex[:6]}@lumora.example"
    admin.create_user(email, "Pat Agent", ["agent"], "agent-password-1")
    settings = {"trusted_proxies": '["testclient"]', "login_attempts_per_address": 4}
    with app_client(monkeypatch, **settings) as client:
        guesses = [_sign_in_from(client, "198.51.100.9", f"x{i}-{email}", "guess").status_code for i in range(4)]
        refused = _sign_in_from(client, "198.51.100.9", email, "agent-password-1")
        elsewhere = _sign_in_from(client, "198.51.100.10", email, "agent-password-1")
    assert guesses == [401] * 4 and refused.status_code == 429 and "Retry-After" in refused.headers
    assert elsewhere.status_code == 303


def test_successful_sign_ins_do_not_use_up_the_addresss_attempts(own_queue, monkeypatch):
    from tests.conftest import app_client

    email = f"oli-{uuid.uuid4().hex[:6]}@lumora.example"
    admin.create_user(email, "Oli Office", ["agent"], "agent-password-1")
    with app_client(monkeypatch, login_attempts_per_address=2) as client:
        codes = [_sign_in(client, email, "agent-password-1").status_code for _ in range(4)]
    assert codes == [303] * 4


def _user_id(client, token: str, email: str) -> int:
    """The id of the account with this email, as the admin API lists it."""
    listed = client.get("/api/admin/users", headers={"Authorization": f"Bearer {token}"}).json()
    return next(user["id"] for user in listed if user["email"] == email)


def test_a_logged_out_cookie_no_longer_works_even_when_replayed(people):
    _sign_in(people, people.emails["agent"], "agent-password-1")
    copied = people.cookies.get("swarmdesk_session")
    assert people.get("/account").status_code == 200
    assert people.post("/logout", follow_redirects=False).status_code == 303
    people.cookies.set("swarmdesk_session", copied, domain="testserver")  # a stolen copy, replayed
    replayed = people.get("/account", follow_redirects=False)
    assert replayed.status_code in (303, 401) and "Alex Agent" not in replayed.text


def test_an_admin_lists_and_revokes_a_persons_sessions_and_api_tokens(people):
    root = {"Authorization": f"Bearer {admin.create_token(people.emails['admin'], 'root')}"}
    agent_token = admin.create_token(people.emails["agent"], "laptop script")
    agent_id = _user_id(people, root["Authorization"].removeprefix("Bearer "), people.emails["agent"])
    _sign_in(people, people.emails["agent"], "agent-password-1")
    assert people.get("/account").status_code == 200
    live = people.get(f"/api/admin/users/{agent_id}/sessions", headers=root).json()
    assert len(live) == 1 and live[0]["client"]  # the browser's User-Agent, to tell sessions apart
    revoked = people.delete(f"/api/admin/users/{agent_id}/sessions/{live[0]['id']}", headers=root)
    assert revoked.status_code == 204
    assert "Alex Agent" not in people.get("/account", follow_redirects=False).text  # signed out at once
    assert people.get(f"/api/admin/users/{agent_id}/sessions", headers=root).json() == []
    again = people.delete(f"/api/admin/users/{agent_id}/sessions/{live[0]['id']}", headers=root)
    assert again.status_code == 404 and "session_id" in again.json()["detail"]

    tokens = people.get(f"/api/admin/users/{agent_id}/tokens", headers=root).json()
    assert [t["name"] for t in tokens] == ["laptop script"] and "token" not in tokens[0]
    people.cookies.clear()
    assert people.get("/api/desk/mine", headers={"Authorization": f"Bearer {agent_token}"}).status_code == 200
    assert people.delete(f"/api/admin/users/{agent_id}/tokens/{tokens[0]['id']}", headers=root).status_code == 204
    assert people.get("/api/desk/mine", headers={"Authorization": f"Bearer {agent_token}"}).status_code == 401
    unknown = people.delete(f"/api/admin/users/{agent_id}/tokens/{tokens[0]['id']}", headers=root)
    assert unknown.status_code == 404 and "token_id" in unknown.json()["detail"]


def test_only_admins_see_or_revoke_sessions(people):
    _sign_in(people, people.emails["agent"], "agent-password-1")
    assert people.get("/api/admin/users/1/sessions").status_code == 403
    assert people.get("/api/admin/users/1/tokens").status_code == 403
    people.cookies.clear()
    assert people.get("/api/admin/users/1/sessions").status_code == 401
