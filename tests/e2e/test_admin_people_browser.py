"""The admin people page in a real browser (Debian's chromium via Playwright) against the live app."""

import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from core.db import make_engine
from people import service as people
from tests.e2e.conftest import create_staff, sign_in

pytestmark = [pytest.mark.stack, pytest.mark.browser]


@pytest.fixture
def admin_page(browser, live_app, e2e_database_url):
    """A browser signed in as a new admin on /admin/people (reached through the sign-in redirect)."""
    context = browser.new_context(base_url=live_app)
    page = context.new_page()
    sign_in(page, create_staff(e2e_database_url, "Ada Admin", ["admin"]), "/admin/people")
    expect(page).to_have_url(f"{live_app}/admin/people")
    yield page
    context.close()


def _issue_token(database_url: str, email: str, name: str) -> None:
    """Give the account an API token in the live app's database."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        people.create_api_token(session=session, user=people.get_by_email(session=session, email=email), name=name)
    engine.dispose()


def _open_edit(page, email: str):
    """The row of the person with this email, its edit form opened."""
    row = page.locator("#people-rows tr", has_text=email)
    row.locator("summary").click()
    return row


def test_an_admin_edits_skills_and_capacity_and_they_are_kept(admin_page, e2e_database_url):
    email = create_staff(e2e_database_url, "Pat Person", ["agent"])
    admin_page.reload()
    row = _open_edit(admin_page, email)
    row.get_by_label("Skills").fill("billing, security")
    row.get_by_label("Capacity").fill("5")
    row.get_by_role("button", name="Save").click()
    expect(row.locator(".form-status")).to_have_text("Saved.")
    expect(row.locator('[data-field="skills"]')).to_have_text("billing security")
    admin_page.reload()
    row = _open_edit(admin_page, email)
    expect(row.locator('[data-field="skills"]')).to_have_text("billing security")
    expect(row.locator('[data-field="capacity"]')).to_have_text("5")
    expect(row.get_by_label("Skills")).to_have_value("billing security")
    expect(row.get_by_label("Capacity")).to_have_value("5")


def test_the_api_reason_is_shown_next_to_the_form(admin_page, e2e_database_url):
    email = create_staff(e2e_database_url, "Sam Skills", ["agent"])
    admin_page.reload()
    row = _open_edit(admin_page, email)
    row.get_by_label("Skills").fill("Billing")
    row.get_by_role("button", name="Save").click()
    expect(row.locator(".form-status.error")).to_contain_text("skills: ")
    expect(row.locator(".form-status.error")).to_contain_text("'Billing'")
    expect(row.locator('[data-field="skills"]')).to_have_text("none")


def test_an_added_person_gets_a_row_and_the_page_fits_a_phone(admin_page):
    admin_page.set_viewport_size({"width": 360, "height": 740})
    form = admin_page.locator("#person-add")
    email = f"new-{uuid.uuid4().hex[:6]}@lumora.example"
    form.get_by_label("Email").fill(email)
    form.get_by_label("Name").fill("Nia New")
    form.get_by_label("Password").fill("a-long-password")
    form.get_by_label("Skills").fill("returns")
    form.get_by_role("button", name="Add person").click()
    expect(form.locator(".form-status")).to_have_text("Added Nia New.")
    row = admin_page.locator("#people-rows tr", has_text=email)
    expect(row.locator('[data-field="skills"]')).to_have_text("returns")
    box = row.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360


def test_an_admin_signs_a_person_out_of_a_browser_and_revokes_their_token(
    admin_page, browser, live_app, e2e_database_url
):
    email = create_staff(e2e_database_url, "Tia Token", ["editor"])  # not an agent: no desk presence left behind
    other = browser.new_context(base_url=live_app)
    theirs = other.new_page()
    sign_in(theirs, email, "/kb")
    expect(theirs).to_have_url(f"{live_app}/kb")
    _issue_token(e2e_database_url, email, "build script")
    admin_page.reload()
    row = _open_edit(admin_page, email)
    row.get_by_role("button", name="Sign-ins and API tokens").click()
    expect(row.locator(".access-list li")).to_have_count(2)
    expect(row.locator(".access-list")).to_contain_text("“build script”")
    row.locator(".access-list li", has_text="Signed in").get_by_role("button", name="Sign out").click()
    expect(row.locator(".access-status")).to_have_text("Signed out.")
    row.locator(".access-list li", has_text="build script").get_by_role("button", name="Revoke").click()
    expect(row.locator(".access-status")).to_have_text("Token revoked.")
    expect(row.locator(".access-list li")).to_have_count(0)
    theirs.goto("/kb")
    expect(theirs).to_have_url(re.compile(r"/login"))  # their browser was signed out
    other.close()
