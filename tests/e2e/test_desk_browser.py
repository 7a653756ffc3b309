"""The handoff in two real browser pages: a customer in the widget, an agent at the desk."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import say

pytestmark = [pytest.mark.stack, pytest.mark.browser]


def test_customer_asks_for_a_human_the_agent_accepts_and_they_talk_while_the_bot_stays_silent(desk, widget):
    say(widget, "I want to talk to a human")
    expect(widget.locator("#swarmdesk-state")).to_contain_text("Waiting for an agent", timeout=30_000)
    expect(widget.locator("#swarmdesk-state")).to_have_text("Waiting for an agent — you are number 1", timeout=5_000)
    expect(widget.locator(".sd-msg.sd-bot").last).to_contain_text("connecting you with a person")
    bot_turns = widget.locator(".sd-msg.sd-bot").count()

    expect(desk.locator("#offer")).to_be_visible(timeout=10_000)
    desk.click("#offer-accept")
    expect(desk.locator("#transcript .msg-customer").first).to_contain_text("I want to talk to a human", timeout=10_000)
    expect(desk.locator("#packet")).to_contain_text("customer request")
    expect(widget.locator(".sd-msg.sd-system").last).to_have_text("Dana Desk joined the chat.", timeout=10_000)
    expect(widget.locator("#swarmdesk-state")).to_have_text("Chatting with an agent")

    desk.fill("#reply", "Hi, I'm Dana — how can I help?")
    expect(widget.locator("#swarmdesk-typing")).to_have_text("Dana Desk is typing…", timeout=10_000)
    desk.press("#reply", "Enter")
    expect(widget.locator(".sd-msg.sd-agent").last).to_contain_text("Hi, I'm Dana — how can I help?")

    say(widget, "My plug won't pair")
    expect(desk.locator("#transcript .msg-customer").last).to_contain_text("My plug won't pair", timeout=10_000)
    problem = desk.locator("#transcript .msg-customer").last.get_by_role("button", name="Part of the problem")
    problem.click()
    expect(problem).to_have_attribute("aria-pressed", "true")  # marked: it will be a question of the draft
    desk.fill("#reply", "Let's fix that together.")
    desk.press("#reply", "Enter")
    expect(widget.locator(".sd-msg.sd-agent").last).to_contain_text("Let's fix that together.")
    assert widget.locator(".sd-msg.sd-bot").count() == bot_turns  # the bot said nothing after the handoff notice
    seqs = desk.locator("#transcript .msg").evaluate_all("nodes => nodes.map((node) => node.dataset.seq)")
    assert len(seqs) == len(set(seqs))  # each message shown once, though it came both live and by fetch
