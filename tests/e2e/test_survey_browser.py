"""The satisfaction survey in a real browser: the widget's card when a chat closes (mouse and keyboard, on a phone
screen) and the page a resolved case's email links to, both under the app's Content-Security-Policy."""

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.models import case_id
from cases.survey_link import token
from core.activity import Activity
from core.db import make_engine
from core.settings import VAR_DIR
from handoff.survey import SurveyAnswer
from tests.e2e.conftest import say, staff
from tests.e2e.test_pages_under_csp import COLLECT

pytestmark = [pytest.mark.stack, pytest.mark.browser]
PHONE = {"width": 375, "height": 667}
SCREENSHOTS = VAR_DIR / "screenshots"


def _stored(database_url: str, **where) -> tuple[list, list]:
    """The survey answers (question, score) and survey activity rows (reason, value, channel) matching `where`."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        answers = session.execute(
            select(SurveyAnswer.question, SurveyAnswer.score).filter_by(**where).order_by(SurveyAnswer.id)
        ).all()
        rows = session.execute(
            select(Activity.reason, Activity.value, Activity.channel)
            .filter_by(kind="survey", **where)
            .order_by(Activity.id)
        ).all()
    engine.dispose()
    return [tuple(a) for a in answers], [tuple(r) for r in rows]


@pytest.fixture
def phone(browser, live_app):
    """A fresh phone-sized browser context watching for CSP violations."""
    context = browser.new_context(base_url=live_app, viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_init_script(COLLECT)
    page = context.new_page()
    yield page
    context.close()


def test_a_closed_chat_asks_csat_then_ces_in_the_widget_and_stores_both(phone, e2e_database_url):
    page = phone
    page.goto("/")
    page.click("#swarmdesk-launcher")
    say(page, "hello")
    expect(page.locator(".sd-msg.sd-bot").last).to_be_visible(timeout=30_000)
    page.click("#swarmdesk-end")
    page.click("#swarmdesk-end")  # the second click within 3 s ends it
    survey = page.locator("#swarmdesk-survey")
    expect(survey.get_by_text("How satisfied are you with the help you got?")).to_be_visible()
    expect(survey.locator(".sd-survey-score")).to_have_count(5)
    expect(survey.get_by_role("button", name="No thanks")).to_be_visible()
    survey.get_by_role("button", name="4 of 5").click()
    expect(survey.get_by_text("How easy was it to get your problem solved?")).to_be_visible()
    expect(survey.locator(".sd-survey-score")).to_have_count(7)
    for score in range(1, 8):  # all seven fit a phone's width
        expect(survey.get_by_role("button", name=f"{score} of 7")).to_be_in_viewport()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "survey-widget-phone.png")  # for a person to look at
    survey.get_by_role("button", name="6 of 7").focus()
    page.keyboard.press("Enter")
    expect(survey.get_by_text("Thank you for your feedback!")).to_be_visible()
    conversation_id = page.evaluate("JSON.parse(localStorage.getItem('swarmdesk.conversation')).conversation_id")
    answers, rows = _stored(e2e_database_url, conversation_id=conversation_id)
    assert answers == [("csat", 4), ("ces", 6)]
    assert rows == [("csat", 4.0, "chat"), ("ces", 6.0, "chat")]
    page.reload()  # the panel stays open across a reload
    expect(page.locator("#swarmdesk-restart")).to_be_visible()
    expect(survey).to_be_hidden()  # asked once per chat, reloads included
    assert page.evaluate("window.__csp") == []


def test_the_email_survey_page_works_without_javascript(browser, live_app, e2e_database_url, monkeypatch):
    from core.settings import get_settings

    monkeypatch.setenv("SECRET_KEY", "test-secret-key")  # the live app's: this process signs the link it mails
    get_settings.cache_clear()
    _, _, agent = staff(e2e_database_url, "Ana Agent", ["agent"])
    case = {"customer_email": "rita@example.com", "subject": "Charged twice", "channel": "email"}
    number = httpx.post(f"{live_app}/api/cases", json=case, headers=agent).json()["number"]
    version = httpx.get(f"{live_app}/api/cases/{number}", headers=agent).json()["version"]
    change = {"version": version, "status": "resolved", "resolution": "Refunded."}
    assert httpx.patch(f"{live_app}/api/cases/{number}", json=change, headers=agent).status_code == 200
    context = browser.new_context(base_url=live_app, java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"/survey/{token(case_id(number))}")
        expect(page.get_by_role("group", name="How satisfied are you with the help you got?")).to_be_visible()
        page.get_by_role("button", name="5 of 5").click()
        expect(page.get_by_role("group", name="How easy was it to get your problem solved?")).to_be_visible()
        page.get_by_role("button", name="7 of 7").click()
        expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    finally:
        context.close()
        get_settings.cache_clear()
    answers, rows = _stored(e2e_database_url, case_id=case_id(number))
    assert answers == [("csat", 5), ("ces", 7)] and rows == [("csat", 5.0, "email"), ("ces", 7.0, "email")]
