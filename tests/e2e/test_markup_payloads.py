"""Hostile markup, written where customers, agents, experts and editors write, rendered in a real browser on the
widget, the desk, the swarm room, the KB editor and the help centre: shown as text, nothing runs, no element is
injected, no script is even attempted (the CSP would report it)."""

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import say, sign_in
from tests.e2e.test_knowledge_loop import staff
from tests.e2e.test_pages_under_csp import COLLECT

pytestmark = [pytest.mark.stack, pytest.mark.browser]
PAYLOADS = [
    '<img src=x onerror="window.__xss=1">',
    "<script>window.__xss=2</script>",
    '<svg onload="window.__xss=3"></svg>',
    '"><img src=x onerror=window.__xss=4>',
    "'-window.__xss=5-'",
    '<a href="javascript:window.__xss=6">six</a>',
    "[seven](javascript:window.__xss=7)",
    '<iframe srcdoc="<script>parent.__xss=8</script>"></iframe>',
    "</textarea><img src=x onerror=window.__xss=9>",
    "{{7*7}} ${7*7}",
]
HOSTILE = " ".join(PAYLOADS)
SHORT = PAYLOADS[0] + " Lumora hub"  # for fields of at most 200 characters
INJECTED = '[onerror], [onload], iframe, a[href^="javascript:"], img[src="x"]'


def inert(page, region: str, shows: tuple[str, ...] = (PAYLOADS[0], PAYLOADS[-1])) -> None:
    """The region shows the markup as text (the template syntax too: nothing evaluated it); nothing ran, nothing
    was injected, the CSP saw no attempt."""
    for text in shows:
        expect(page.locator(region).first).to_contain_text(text, timeout=20_000)
    assert page.evaluate("window.__xss") is None, region
    assert page.locator(INJECTED).count() == 0, region
    assert page.evaluate("window.__csp") == [], region


@pytest.fixture
def watched(browser, live_app):
    """New browser pages that record CSP violations and any dialog a payload opened."""
    contexts, dialogs = [], []

    def open_page():
        context = browser.new_context(base_url=live_app)
        context.add_init_script(COLLECT)
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert dialogs == []


def test_customer_and_agent_markup_is_text_in_the_widget_and_on_the_desk(desk, watched):
    widget = watched()
    widget.goto("/")
    widget.click("#swarmdesk-launcher")
    say(widget, HOSTILE)
    expect(widget.locator(".sd-msg.sd-bot")).not_to_have_count(0, timeout=30_000)
    desk.evaluate(COLLECT)
    say(widget, "I want to talk to a human")
    expect(desk.locator("#offer")).to_be_visible(timeout=30_000)
    desk.click("#offer-accept")
    inert(desk, "#transcript")
    desk.fill("#reply", HOSTILE)
    desk.press("#reply", "Enter")
    inert(widget, ".sd-msg.sd-agent")
    inert(widget, ".sd-msg.sd-customer")
    desk.fill("#note-text", HOSTILE)
    desk.locator("#note-new").get_by_role("button").click()
    inert(desk, "#notes")


def test_expert_and_case_markup_is_text_in_the_swarm_room(live_app, e2e_database_url, watched):
    owner_id, owner_email, owner = staff(e2e_database_url, "Omar Owner", ["admin", "agent"])
    expert_id, _, expert = staff(e2e_database_url, "Xia Expert", ["expert"])
    http = httpx.Client(base_url=live_app, timeout=60)
    case = {"customer_email": "mallory@example.com", "subject": SHORT, "description": HOSTILE}
    number = http.post("/api/cases", json=case, headers=owner).json()["number"]
    swarm = http.post("/api/swarms", json={"case_number": number}, headers=owner).json()["id"]
    http.post(f"/api/swarms/{swarm}/invitations", json={"person_ids": [expert_id]}, headers=owner)
    invitation = http.get("/api/swarms/mine", headers=expert).json()["invitations"][0]["id"]
    http.post(f"/api/swarms/invitations/{invitation}/accept", headers=expert)
    assert http.post(f"/api/swarms/{swarm}/messages", json={"text": HOSTILE}, headers=expert).status_code == 201
    page = watched()
    sign_in(page, owner_email, f"/swarms/{swarm}")
    inert(page, "#case-title", shows=(SHORT,))
    inert(page, "#case-description")
    inert(page, "#room")


def test_editor_markup_is_text_in_the_kb_editor_and_the_help_centre(live_app, e2e_database_url, watched):
    _, editor_email, editor = staff(e2e_database_url, "Eve Markup", ["editor"])
    http = httpx.Client(base_url=live_app, timeout=60)
    body = "\n\n".join(PAYLOADS)
    article = {"title": SHORT, "body": body, "questions": PAYLOADS[:3], "tags": ["markup"]}
    made = http.post("/api/kb/articles", json=article, headers=editor).json()
    moved = {"status": "published", "version": made["version"], "take_over": True}
    assert http.post(f"/api/kb/articles/{made['id']}/status", json=moved, headers=editor).status_code == 200
    page = watched()
    sign_in(page, editor_email, "/kb")
    inert(page, "#articles", shows=(SHORT,))
    page.locator("#articles li", has_text="Lumora hub").first.get_by_role("button").click()
    expect(page.locator("#title")).to_have_value(SHORT)
    inert(page, "#preview", shows=(PAYLOADS[1], PAYLOADS[6]))  # Markdown: *7* is emphasis there
    expect(page.locator("#questions")).to_have_value("\n".join(PAYLOADS[:3]))
    help_page = watched()
    help_page.goto(f"/help/{made['id']}")
    inert(help_page, "article", shows=(SHORT, PAYLOADS[1], PAYLOADS[6]))
