"""A swarm in three real browser contexts: the owner at the desk, an expert, and the customer in the widget."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import create_staff, say, sign_in

pytestmark = [pytest.mark.stack, pytest.mark.browser]
ANSWER = "The second charge is only a card hold; it disappears within 5 days."


@pytest.fixture
def expert(browser, live_app, e2e_database_url):
    """An expert with the billing skill on the swarms page."""
    context = browser.new_context(base_url=live_app)
    page = context.new_page()
    sign_in(page, create_staff(e2e_database_url, "Eli Swarm", ["expert"], ["billing"]), "/swarms")
    expect(page.locator("h1")).to_have_text("Swarms")
    yield page
    context.close()


def test_owner_swarms_an_expert_answers_and_the_customer_gets_it_from_the_owner(desk, widget, expert):
    say(widget, "I want to talk to a human")
    expect(desk.locator("#offer")).to_be_visible(timeout=30_000)
    desk.click("#offer-accept")
    expect(widget.locator(".sd-msg.sd-system .sd-text").last).to_have_text("Dana Desk joined the chat.", timeout=10_000)

    desk.fill("#case-email", "rita@example.com")
    desk.fill("#case-subject", "Charged twice for one order")
    desk.click("#case-new button[type=submit]")
    with desk.context.expect_page() as opened:
        desk.locator("#cases li").first.get_by_role("button", name="Start a swarm").click()
    room = opened.value
    expect(room.locator("#link-status")).to_have_text("Live", timeout=10_000)
    room.fill("#skills", "billing")
    room.click("#find-form button")
    room.locator("#suggestions li", has_text="Eli Swarm").locator("input").check()
    room.click("#invite")
    expect(room.locator("#invitations")).to_contain_text("Eli Swarm · pending")

    expert.locator("#invitations li", has_text="Swarm on").get_by_role("button", name="Accept").click(timeout=15_000)
    expect(expert.locator("#room")).to_contain_text("Eli Swarm joined.", timeout=10_000)
    expect(expert.locator("#customer-transcript")).to_contain_text("I want to talk to a human")
    expert.fill("#room-text", ANSWER)
    expert.press("#room-text", "Enter")
    mine = expert.locator("#room li", has_text=ANSWER)
    mine.get_by_role("button", name="Mark as proposed answer").click()
    expect(mine).to_contain_text("Proposed answer")

    proposed = room.locator("#room li", has_text="Proposed answer")
    expect(proposed).to_contain_text(ANSWER, timeout=10_000)
    proposed.get_by_role("button", name="Send to customer…").click()
    expect(room.locator("#answer-text")).to_have_value(ANSWER)
    room.fill("#answer-text", "Good news: " + ANSWER)
    room.click("#answer-form button[type=submit]")

    last = widget.locator(".sd-msg.sd-agent").last
    expect(last).to_contain_text("Good news: " + ANSWER, timeout=10_000)
    expect(last.locator(".sd-name")).to_have_text("Dana Desk")  # the owner's message; the expert stays unseen
    assert "Eli" not in widget.locator("#swarmdesk-messages").inner_text()
