"""Canned replies in real browsers: an admin adds team replies on their page, an agent picks one with "/" in the
desk's reply box, and a reply whose placeholder has no value in the chat is flagged and not sent."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import create_staff, say, sign_in

pytestmark = [pytest.mark.stack, pytest.mark.browser]


def _add_team_reply(page, title: str, text: str) -> None:
    """Add a reply shared with everyone on the canned replies page."""
    page.get_by_label("Title").fill(title)
    page.get_by_label("Text").fill(text)
    page.get_by_label("Shared with").select_option("everyone")
    page.get_by_role("button", name="Add reply").click()
    expect(page.locator("#canned-rows li", has_text=title)).to_contain_text("Everyone on the team")


def test_the_agent_picks_a_canned_reply_with_slash_and_an_unfilled_placeholder_holds_the_send(
    browser, live_app, e2e_database_url, desk, widget
):
    admin = browser.new_context(base_url=live_app).new_page()
    sign_in(admin, create_staff(e2e_database_url, "Ada Canned", ["admin"]), "/desk/canned")
    _add_team_reply(admin, "Refund greeting", "Hi {customer_name}, thanks for waiting on your refund.")
    _add_team_reply(admin, "Refund on its way", "I'm {agent_name}; your refund is on its way.")
    admin.get_by_label("Title").fill("Broken")
    admin.get_by_label("Text").fill("Your order {order_id} ships today.")
    admin.get_by_role("button", name="Add reply").click()
    expect(admin.locator("#canned-status")).to_contain_text("text: unknown placeholder {order_id}")
    admin.context.close()

    say(widget, "I want to talk to a human")
    expect(desk.locator("#offer")).to_be_visible(timeout=30_000)
    desk.click("#offer-accept")
    expect(desk.locator("#chat-state")).to_have_text("agent", timeout=10_000)
    agent_lines = widget.locator(".sd-msg.sd-agent")

    reply, choices = desk.locator("#reply"), desk.get_by_role("listbox", name="Canned replies")
    reply.press_sequentially("/")
    expect(choices).to_be_visible()
    reply.press("Escape")
    expect(choices).to_be_hidden()
    reply.press_sequentially("ref")
    expect(choices.get_by_role("option")).to_have_count(2)
    expect(choices.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    reply.press("ArrowDown")
    picked = choices.get_by_role("option", name=re.compile("Refund on its way"))
    expect(picked).to_have_attribute("aria-selected", "true")
    expect(reply).to_have_attribute("aria-activedescendant", picked.get_attribute("id"))
    reply.press("Enter")
    expect(choices).to_be_hidden()
    expect(reply).to_have_value("I'm Dana Desk; your refund is on its way.")
    reply.press("Enter")
    expect(agent_lines.last).to_have_text(re.compile("I'm Dana Desk; your refund is on its way."), timeout=10_000)
    sent = agent_lines.count()

    reply.press_sequentially("/refund gr")
    reply.press("Enter")
    expect(reply).to_have_value("Hi {customer_name}, thanks for waiting on your refund.")
    flag = desk.locator("#reply-flag")
    expect(flag).to_be_visible()
    expect(flag).to_contain_text("{customer_name}")
    reply.press("Enter")  # held: nobody knows the customer's name yet ("Visitor 1234" is none)
    desk.wait_for_timeout(1500)
    expect(flag).to_be_visible()
    expect(reply).to_have_value(re.compile(r"\{customer_name\}"))
    reply.press("End")
    reply.press_sequentially(" :)")  # an edit that leaves the placeholder: the server refuses it
    reply.press("Enter")
    expect(flag).to_contain_text("text: fill in {customer_name}")
    assert agent_lines.count() == sent
    expect(desk.locator("#transcript")).not_to_contain_text("{customer_name}")

    reply.fill("Hi Sam, thanks for waiting on your refund.")
    reply.press("Enter")
    expect(agent_lines.last).to_have_text(re.compile("Hi Sam, thanks for waiting"), timeout=10_000)
    expect(flag).to_be_hidden()
