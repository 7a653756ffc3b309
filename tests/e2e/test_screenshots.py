"""Screenshots of the widget and the desk at desktop and phone width, kept in var/screenshots/ for a person to look
at (a test run prints where); each page must fit its width without sideways scrolling."""

import pytest
from playwright.sync_api import expect

from core.settings import VAR_DIR
from tests.e2e.conftest import say

pytestmark = [pytest.mark.stack, pytest.mark.browser]

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
FOLDER = VAR_DIR / "screenshots"


def _fits(page) -> bool:
    """True when the page needs no sideways scrolling."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("size", SIZES)
def test_widget_and_desk_screenshots(browser, live_app, desk, size):
    FOLDER.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(base_url=live_app, viewport=SIZES[size])
    customer = context.new_page()
    customer.goto("/")
    customer.click("#swarmdesk-launcher")
    say(customer, "my hub says E-204")
    expect(customer.locator(".sd-msg.sd-bot", has_text="E-204").first).to_be_visible(timeout=20_000)
    expect(customer.get_by_role("button", name="Yes")).to_be_visible()  # the answer's feedback buttons are in
    assert _fits(customer)
    customer.screenshot(path=FOLDER / f"widget-{size}.png")
    desk.set_viewport_size(SIZES[size])
    assert _fits(desk)
    desk.screenshot(path=FOLDER / f"desk-{size}.png", full_page=True)
    print(f"screenshots: {FOLDER}/widget-{size}.png, {FOLDER}/desk-{size}.png")
    context.close()
