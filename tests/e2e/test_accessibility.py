"""No serious or critical accessibility findings from axe-core on the widget, desk, swarm room, KB editor and help
centre, each in a real browser with its content shown (axe-core comes from the npm registry: scripts/ensure_axe.sh)."""

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import say, sign_in, staff

pytestmark = [pytest.mark.stack, pytest.mark.browser]
AXE = Path(__file__).with_name("axe") / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations
    .filter((found) => found.impact === "serious" || found.impact === "critical")
    .map((found) => `${found.id} (${found.impact}): ${found.help} at ` +
      found.nodes.map((node) => node.target.join(" ")).join(", "));
}"""


def findings(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now (and that the page has its icon)."""
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(icon).ok, f"no favicon at {icon}"
    assert AXE.exists(), "axe-core is missing: make test installs it (scripts/ensure_axe.sh)"
    page.add_script_tag(path=str(AXE))
    return page.evaluate(SERIOUS)


@pytest.fixture
def open_page(browser, live_app):
    """A new page (the app's CSP refuses injected scripts, so this context lets axe-core in) at a path."""
    contexts = []

    def opened(path: str = "/"):
        context = browser.new_context(base_url=live_app, bypass_csp=True)
        contexts.append(context)
        page = context.new_page()
        page.goto(path)
        return page

    yield opened
    for context in contexts:
        context.close()


def test_the_widget_with_a_bot_answer_and_its_buttons(open_page):
    page = open_page("/")
    page.click("#swarmdesk-launcher")
    say(page, "my hub says E-204, what do I do?")
    expect(page.locator(".sd-msg.sd-bot").last).to_be_visible(timeout=30_000)
    assert findings(page) == []


def test_the_widgets_survey_card_when_a_chat_closes(open_page):
    page = open_page("/")
    page.click("#swarmdesk-launcher")
    say(page, "hello")
    expect(page.locator(".sd-msg.sd-bot").last).to_be_visible(timeout=30_000)
    page.click("#swarmdesk-end")
    page.click("#swarmdesk-end")
    expect(page.locator(".sd-survey-score")).to_have_count(5)
    assert findings(page) == []


def test_the_help_centre_and_an_article(open_page):
    page = open_page("/help")
    assert findings(page) == []
    page.locator("main a[href^='/help/']").first.click()
    expect(page.locator("h1")).to_have_count(1)  # every page has its heading
    assert findings(page) == []


def test_the_desk_kb_editor_and_a_swarm_room(open_page, e2e_database_url, live_app):
    _, email, auth = staff(e2e_database_url, "Ada Access", ["agent", "editor", "expert"])
    page = open_page("/")
    sign_in(page, email, "/desk")
    expect(page.locator("#link-status")).to_have_text("Live", timeout=10_000)
    page.select_option("#presence", "away")  # later tests need nobody online
    assert findings(page) == []

    page.goto("/kb")
    expect(page.locator("h1")).to_have_count(1)  # every page has its heading
    assert findings(page) == []

    with httpx.Client(base_url=live_app, headers=auth, timeout=30) as http:
        case = http.post("/api/cases", json={"customer_email": "ida@example.com", "subject": "Hub offline"})
        assert case.status_code == 201, case.text
        swarm = http.post("/api/swarms", json={"case_number": case.json()["number"]})
        assert swarm.status_code == 201, swarm.text
    page.goto(f"/swarms/{swarm.json()['id']}")
    expect(page.locator("h1")).to_have_count(1)  # every page has its heading
    assert findings(page) == []
