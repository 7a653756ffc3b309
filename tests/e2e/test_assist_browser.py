"""The desk's assist panel in a real browser: a customer's new message brings up the article that answers it, and
Send link puts the article's help-centre link in the chat, for the customer too."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import say

pytestmark = [pytest.mark.stack, pytest.mark.browser]


def test_the_assist_panel_suggests_the_article_and_send_link_sends_it(desk, widget):
    say(widget, "I want to talk to a human")
    expect(desk.locator("#offer")).to_be_visible(timeout=30_000)
    desk.click("#offer-accept")
    expect(widget.locator("#swarmdesk-state")).to_have_text("Chatting with an agent", timeout=10_000)

    say(widget, "my hub light is blinking orange since I changed my router")
    article = desk.locator("#assist-articles li").filter(has_text="Hub error E-204")
    expect(article).to_be_visible(timeout=20_000)  # refreshed after the customer's message, not on a timer
    expect(article).to_contain_text("router")  # the passage nearest the problem

    article.get_by_role("button", name="Insert answer").click()
    expect(desk.locator("#reply")).to_have_value(article.locator(".assist-text").inner_text())
    article.get_by_role("button", name="Send link").click()
    expect(desk.locator("#transcript .msg-agent").last).to_contain_text("/help/hub-e204")
    expect(widget.locator(".sd-msg.sd-agent").last).to_contain_text("Hub error E-204: http")
    expect(widget.locator(".sd-msg.sd-agent").last).to_contain_text("/help/hub-e204")
    expect(desk.locator("#desk-error")).to_be_hidden()
