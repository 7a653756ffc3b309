"""An outside guest in a real browser sees the case summary and only the chat lines the owner shares, scrubbed."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import say

pytestmark = [pytest.mark.stack, pytest.mark.browser]
SHARED = "The parcel never came, please write to rita.jansen@example.com"
UNSHARED = "My neighbour Tom says he saw the courier leave"


def test_a_guest_sees_the_summary_then_only_the_line_the_owner_shares(desk, widget, browser, live_app):
    say(widget, "I want to talk to a human")
    expect(desk.locator("#offer")).to_be_visible(timeout=30_000)
    desk.click("#offer-accept")
    expect(widget.locator(".sd-msg.sd-system .sd-text").last).to_have_text("Dana Desk joined the chat.", timeout=10_000)
    for line in (SHARED, UNSHARED):
        say(widget, line)
        expect(desk.locator("#transcript")).to_contain_text(line, timeout=10_000)

    desk.fill("#case-email", "rita@example.com")
    desk.fill("#case-subject", "Parcel lost on the way")
    desk.click("#case-new button[type=submit]")
    with desk.context.expect_page() as opened:
        desk.locator("#cases li").first.get_by_role("button", name="Start a swarm").click()
    room = opened.value
    expect(room.locator("#customer-transcript")).to_contain_text(UNSHARED, timeout=10_000)
    room.fill("#guest-name", "Parcel Partner")
    room.click("#guest-form button")
    expect(room.locator("#guest-link")).to_contain_text("/swarm-guest/")
    token = room.locator("#guest-link").inner_text().rsplit("/swarm-guest/", 1)[1].strip()

    context = browser.new_context(base_url=live_app)
    guest = context.new_page()
    guest.goto(f"/swarm-guest/{token}")
    expect(guest.locator("#link-status")).to_have_text("Live", timeout=10_000)
    expect(guest.locator("#case-title")).to_contain_text("Parcel lost on the way")
    expect(guest.locator("#packet")).not_to_have_text("—")
    expect(guest.locator("#nothing-shared")).to_have_text("The team shares what you need from the customer's chat.")
    expect(guest.locator("#customer-transcript li")).to_have_count(0)

    room.locator("#customer-transcript li", has_text=SHARED).get_by_role("button", name="Share with guests").click()
    expect(room.locator("#customer-transcript li", has_text=SHARED)).to_contain_text("Shared with guests")
    shown = guest.locator("#customer-transcript li")
    expect(shown).to_have_count(1, timeout=10_000)  # the room's live frame makes the guest's page reload the room
    expect(shown).to_contain_text("The parcel never came, please write to [email]")
    expect(guest.locator("#nothing-shared")).to_be_hidden()
    page_text = guest.locator("body").inner_text()
    assert UNSHARED not in page_text and "rita.jansen@example.com" not in page_text
    context.close()
