"""The handoff in two real browser pages: a customer in the widget, an agent at the desk."""

import re

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
    visitor = re.compile(r"^Visitor \d{4}$")  # nobody has said who the customer is: a visitor number, never "You"
    expect(desk.locator("#transcript .msg-customer .who").first).to_have_text(visitor)
    expect(desk.locator("#chat-title")).to_have_text(re.compile(r"^Chat with Visitor \d{4}$"))
    sent = desk.locator("#transcript .msg-customer time").first
    expect(sent).to_have_text("now")  # how long ago; the exact time, in the viewer's zone, on hover
    expect(sent).to_have_attribute("title", re.compile(r"\d{1,2}:\d{2}"))
    expect(widget.locator(".sd-customer time.sd-time").first).to_have_text(re.compile(r"^\d{1,2}:\d{2}"))
    expect(widget.locator(".sd-msg.sd-system .sd-text").last).to_have_text("Dana Desk joined the chat.", timeout=10_000)
    expect(widget.locator("#swarmdesk-state")).to_have_text("Chatting with an agent")

    desk.fill("#reply", "Hi, I'm Dana — how can I help?")
    expect(widget.locator("#swarmdesk-typing")).to_have_text("Dana Desk is typing…", timeout=10_000)
    desk.press("#reply", "Enter")
    expect(widget.locator(".sd-msg.sd-agent").last).to_contain_text("Hi, I'm Dana — how can I help?")
    expect(widget.locator(".sd-msg.sd-agent .sd-avatar").last).to_have_text("DD")  # the agent's initials

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


def test_the_agent_sets_a_case_waiting_then_resolves_it_with_a_note_in_the_panel(desk, widget, live_app):
    say(widget, "I want to talk to a human")
    expect(desk.locator("#offer")).to_be_visible(timeout=30_000)
    desk.click("#offer-accept")
    desk.fill("#case-email", "rita@example.com")
    desk.fill("#case-subject", "Plug offline after the update")
    desk.click("#case-new button[type=submit]")
    expect(desk.locator("#chat-title")).to_have_text("Chat with rita@example.com")  # the case says who it is
    expect(desk.locator("#transcript .msg-customer .who").first).to_have_text("rita@example.com")
    row = desk.locator("#cases li").first
    status = row.get_by_label("Status of", exact=False)
    status.select_option(label="waiting on the customer")
    row.get_by_role("button", name="Save status").click()
    expect(desk.locator("#case-saved")).to_have_text(re.compile(r"^CS-\d+ is now waiting on the customer\.$"))
    expect(desk.locator("#cases li").first.get_by_label("Status of", exact=False)).to_have_value("pending_customer")
    expect(desk.locator("#desk-error")).to_be_hidden()

    row = desk.locator("#cases li").first
    note = row.get_by_label("Resolution note", exact=False)
    expect(note).to_be_hidden()
    row.get_by_label("Status of", exact=False).select_option("resolved")
    expect(note).to_be_focused()
    note.fill("Re-paired the plug; it stays online now.")
    row.get_by_role("button", name="Save status").click()
    expect(desk.locator("#case-saved")).to_have_text(re.compile(r"^CS-\d+ is now resolved\.$"))
    expect(desk.locator("#cases li").first.get_by_label("Status of", exact=False)).to_have_value("resolved")
    number = desk.locator("#cases li strong").first.inner_text()
    lookup = {"number": number, "email": "rita@example.com"}
    seen = widget.request.post(f"{live_app}/api/cases/lookup", data=lookup).json()
    assert seen["status"] == "resolved"
    assert "Re-paired the plug" in str(seen)
