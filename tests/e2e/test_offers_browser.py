"""Offers that respect people, in real browsers: two agents at their desks; a declined offer goes to the other one
and does not come back to the agent who declined it."""

import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import create_staff, leave_desks, say, sign_in

pytestmark = [pytest.mark.stack, pytest.mark.browser]


@pytest.fixture
def two_desks(browser, live_app, e2e_database_url, empty_queue):
    """Two agents signed in at their desks, both online."""
    contexts = [browser.new_context(base_url=live_app) for _ in range(2)]
    pages = [context.new_page() for context in contexts]
    for page, name in zip(pages, ("Ada First", "Bo Second"), strict=True):
        sign_in(page, create_staff(e2e_database_url, name, ["agent"]), "/desk")
        expect(page.locator("#link-status")).to_have_text("Live", timeout=10_000)
    yield pages
    leave_desks(*pages)
    for context in contexts:
        context.close()


def test_a_declined_offer_goes_to_the_other_agent_and_not_back(two_desks, widget):
    say(widget, "I want to talk to a human")
    expect(widget.locator("#swarmdesk-state")).to_contain_text("Waiting for an agent", timeout=30_000)
    offered = [page for page in two_desks if page.locator("#offer").is_visible()]
    deadline = time.monotonic() + 10
    while not offered and time.monotonic() < deadline:
        time.sleep(0.2)
        offered = [page for page in two_desks if page.locator("#offer").is_visible()]
    assert len(offered) == 1, "the chat is offered to exactly one agent at a time"
    first = offered[0]
    other = two_desks[1 - two_desks.index(first)]
    first.click("#offer-decline")
    expect(other.locator("#offer")).to_be_visible(timeout=10_000)
    expect(first.locator("#offer")).to_be_hidden()
    other.click("#offer-decline")
    time.sleep(3)  # several routing rounds: within the cooldown nobody is nagged again
    expect(first.locator("#offer")).to_be_hidden()
    expect(other.locator("#offer")).to_be_hidden()
    expect(first.locator("#queue .row")).to_have_count(1)  # still waiting, where either can take it
