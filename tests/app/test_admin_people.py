"""The admin people API (skills, capacity, roles, active) and the /admin/people page."""

import re
import uuid

import pytest

from ops import admin
from tests.conftest import staff_auth

SCRIPT = "<script>alert(1)</script>"


def _new_person(client, auth: dict[str, str], **fields) -> dict:
    """Create an account through the admin API and return its admin view."""
    body = {
        "email": f"person-{uuid.uuid4().hex[:6]}@lumora.example",
        "display_name": "Pat Person",
        "password": "a-long-password",
        "roles": ["agent"],
        **fields,
    }
    response = client.post("/api/admin/users", json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def _admin_with_login(display_name: str = "Rita Root") -> tuple[str, str]:
    """Create an admin; return their email and password."""
    email = f"root-{uuid.uuid4().hex[:6]}@lumora.example"
    admin.create_user(email, display_name, ["admin"], "admin-password-1")
    return email, "admin-password-1"


def _sign_in(client, email: str, password: str, next_page: str = "/admin/people"):
    """Post the sign-in form as a browser would."""
    form = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    data = {"email": email, "password": password, "csrf_token": csrf, "next": next_page}
    return client.post("/login", data=data, follow_redirects=False)


def _own_id(client, auth: dict[str, str], email: str) -> int:
    """The id of the account with this email, from the admin list."""
    return next(user["id"] for user in client.get("/api/admin/users", headers=auth).json() if user["email"] == email)


@pytest.fixture
def admin_auth() -> dict[str, str]:
    """The bearer header of a new admin."""
    return staff_auth("Ada Admin", ["admin"])


def test_new_people_get_capacity_3_and_no_skills_unless_given(client, admin_auth):
    plain = _new_person(client, admin_auth)
    assert (plain["skills"], plain["capacity"]) == ([], 3)
    skilled = _new_person(client, admin_auth, skills=["billing", "accounts"], capacity=4)
    assert (skilled["skills"], skilled["capacity"]) == (["billing", "accounts"], 4)


def test_patch_changes_skills_capacity_and_roles_and_the_list_shows_them(client, admin_auth):
    person = _new_person(client, admin_auth)
    body = {"skills": ["billing", "security"], "capacity": 5, "roles": ["expert", "agent"]}
    response = client.patch(f"/api/admin/users/{person['id']}", json=body, headers=admin_auth)
    assert response.status_code == 200, response.text
    expected = {**person, "skills": ["billing", "security"], "capacity": 5, "roles": ["agent", "expert"]}
    assert response.json() == expected
    listed = {user["id"]: user for user in client.get("/api/admin/users", headers=admin_auth).json()}
    assert listed[person["id"]] == expected


def test_patch_leaves_out_fields_alone_and_can_deactivate(client, admin_auth):
    person = _new_person(client, admin_auth, skills=["returns"], capacity=2)
    response = client.patch(f"/api/admin/users/{person['id']}", json={"active": False}, headers=admin_auth)
    assert response.json() == {**person, "active": False}


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"skills": ["billing", "Bad Skill"]}, "skills", "'Bad Skill'"),
        ({"skills": [f"skill{n}" for n in range(21)]}, "skills", "at most 20"),
        ({"capacity": 51}, "capacity", "50"),
        ({"roles": ["wizard"]}, "roles", "wizard"),
        ({"roles": []}, "roles", "at least 1"),
        ({"nickname": "Pat"}, "nickname", "not permitted"),
    ],
)
def test_bad_input_is_refused_with_422_naming_the_field(client, admin_auth, body, field, words):
    person = _new_person(client, admin_auth)
    response = client.patch(f"/api/admin/users/{person['id']}", json=body, headers=admin_auth)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"][-1] == field and words in error["msg"]


def test_bad_skills_are_refused_when_creating_too(client, admin_auth):
    body = {"email": "x@lumora.example", "display_name": "X", "password": "a-long-password", "roles": ["agent"]}
    response = client.post("/api/admin/users", json={**body, "skills": ["ok", "-no"]}, headers=admin_auth)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "skills"


def test_unknown_id_is_404_naming_it(client, admin_auth):
    response = client.patch("/api/admin/users/999999", json={"capacity": 1}, headers=admin_auth)
    assert response.status_code == 404
    assert "999999" in response.json()["detail"]


def test_agents_get_403_from_the_api_and_the_page(client, admin_auth):
    person = _new_person(client, admin_auth)
    agent = staff_auth("Alex Agent", ["agent"])
    assert client.patch(f"/api/admin/users/{person['id']}", json={"capacity": 1}, headers=agent).status_code == 403
    page = client.get("/admin/people", headers=agent)
    assert page.status_code == 403
    assert "needs the admin role" in page.text and person["email"] not in page.text


def test_a_signed_in_agent_sees_which_role_the_page_needs(client, admin_auth):
    email = _new_person(client, admin_auth, display_name="Sam Signed")["email"]
    _sign_in(client, email, "a-long-password")
    page = client.get("/admin/people")
    assert page.status_code == 403
    assert "needs the admin role" in page.text and "Sam Signed" in page.text


def test_strangers_are_sent_to_sign_in_and_come_back(client):
    response = client.get("/admin/people", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/admin/people"
    email, password = _admin_with_login()
    assert _sign_in(client, email, password).headers["location"] == "/admin/people"


def test_admins_cannot_demote_or_deactivate_themselves(client):
    email, _ = _admin_with_login()
    auth = {"Authorization": f"Bearer {admin.create_token(email, 'tests')}"}
    own = f"/api/admin/users/{_own_id(client, auth, email)}"
    demoted = client.patch(own, json={"roles": ["agent"]}, headers=auth)
    assert demoted.status_code == 409 and "your own admin role" in demoted.json()["detail"]
    deactivated = client.patch(own, json={"active": False}, headers=auth)
    assert deactivated.status_code == 409 and "deactivate yourself" in deactivated.json()["detail"]
    kept = client.patch(own, json={"roles": ["admin", "agent"], "skills": ["security"]}, headers=auth)
    assert kept.status_code == 200 and kept.json()["roles"] == ["admin", "agent"]


def test_the_page_lists_people_and_carries_the_csrf_token_the_api_accepts(client, admin_auth):
    person = _new_person(client, admin_auth, skills=["billing"], capacity=7)
    _sign_in(client, *_admin_with_login())
    page = client.get("/admin/people")
    assert page.status_code == 200
    assert person["email"] in page.text and ">billing<" in page.text and "/static/admin_people.js" in page.text
    csrf = re.search(r'data-csrf="([^"]+)"', page.text).group(1)
    url = f"/api/admin/users/{person['id']}"
    assert client.patch(url, json={"capacity": 2}).status_code == 403  # no CSRF header
    assert client.patch(url, json={"capacity": 2}, headers={"X-CSRF-Token": csrf}).json()["capacity"] == 2


def test_the_page_escapes_display_names(client, admin_auth):
    _new_person(client, admin_auth, display_name=SCRIPT)
    page = client.get("/admin/people", headers=admin_auth)
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert SCRIPT not in page.text


def test_an_admin_makes_someone_a_lead_on_the_page(client, admin_auth):
    person = _new_person(client, admin_auth)
    _sign_in(client, *_admin_with_login())
    page = client.get("/admin/people")
    assert '<input type="checkbox" name="roles" value="lead">' in page.text  # offered on every person's form
    csrf = re.search(r'data-csrf="([^"]+)"', page.text).group(1)
    url = f"/api/admin/users/{person['id']}"
    assert client.patch(url, json={"roles": ["agent", "lead"]}, headers={"X-CSRF-Token": csrf}).json()["roles"] == [
        "agent",
        "lead",
    ]
    row = client.get("/admin/people").text.split(person["email"], 1)[1].split("</tr>", 1)[0]
    assert ">lead<" in row and 'value="lead" checked' in row
