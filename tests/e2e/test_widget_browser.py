"""The chat widget in a real browser (Debian's chromium via Playwright) against the whole stack."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import update
from sqlalchemy.orm import Session

from core.db import make_engine
from knowledge.models import KbArticle

pytestmark = [pytest.mark.stack, pytest.mark.browser]


@pytest.fixture
def page(browser, live_app):
    """A fresh browser context (own localStorage) on the demo page."""
    context = browser.new_context(base_url=live_app)
    page = context.new_page()
    page.goto("/")
    yield page
    context.close()


def test_customer_greets_the_bot_and_the_conversation_survives_a_reload(page):
    page.click("#swarmdesk-launcher")
    expect(page.locator("#swarmdesk-panel")).to_be_visible()
    page.fill("#swarmdesk-input", "hi")
    page.click("#swarmdesk-send")
    bot = page.locator("#swarmdesk-messages .sd-msg.sd-bot")
    expect(bot.first).to_contain_text("Lumora virtual assistant", timeout=20_000)
    page.reload()
    expect(page.locator("#swarmdesk-messages .sd-customer .sd-text").first).to_have_text("hi", timeout=10_000)
    expect(page.locator("#swarmdesk-messages .sd-msg.sd-bot").first).to_contain_text("Lumora virtual assistant")


def test_markup_in_a_message_is_shown_as_text(page):
    page.click("#swarmdesk-launcher")
    page.fill("#swarmdesk-input", "<img src=x onerror=alert(1)> qqq zzkv plorb")
    page.click("#swarmdesk-send")
    customer = page.locator("#swarmdesk-messages .sd-msg.sd-customer").first
    expect(customer).to_contain_text("<img src=x onerror=alert(1)>", timeout=20_000)
    expect(page.locator("#swarmdesk-messages .sd-msg.sd-bot").first).to_be_visible(timeout=20_000)
    assert page.locator("#swarmdesk-messages img").count() == 0


def test_a_kb_answer_links_its_article_and_its_buttons_send_the_feedback(page):
    page.click("#swarmdesk-launcher")
    page.fill("#swarmdesk-input", "my hub says E-204")
    page.click("#swarmdesk-send")
    link = page.locator("#swarmdesk-messages a", has_text="Hub error E-204")
    expect(link).to_have_attribute("href", f"{page.url.rstrip('/')}/help/hub-e204", timeout=20_000)
    page.locator("#swarmdesk-messages .sd-quick-reply", has_text="Yes").click()
    expect(page.locator("#swarmdesk-messages .sd-customer .sd-text").last).to_have_text("Yes", timeout=20_000)
    chosen = page.locator("#swarmdesk-messages .sd-quick-reply.sd-chosen")
    expect(chosen).to_have_text("Yes")  # the answer given stays marked on the buttons
    expect(chosen).to_have_css("color", "rgb(255, 255, 255)")
    expect(page.locator("#swarmdesk-messages .sd-msg.sd-bot").last).to_contain_text("glad that helped")


def test_an_empty_message_is_not_sent_and_an_oversized_one_shows_the_reason(page):
    page.click("#swarmdesk-launcher")
    page.fill("#swarmdesk-input", "   ")
    page.click("#swarmdesk-send")
    assert page.locator("#swarmdesk-messages .sd-msg.sd-customer").count() == 0
    page.evaluate("document.querySelector('#swarmdesk-input').removeAttribute('maxlength')")
    page.fill("#swarmdesk-input", "x" * 4001)
    page.click("#swarmdesk-send")
    expect(page.locator("#swarmdesk-error")).to_contain_text("too long", timeout=10_000)
    assert page.input_value("#swarmdesk-input") == "x" * 4001


def test_the_widget_fits_a_phone_screen(browser, live_app):
    context = browser.new_context(base_url=live_app, viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto("/")
    page.click("#swarmdesk-launcher")
    box = page.locator("#swarmdesk-panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    expect(page.locator("#swarmdesk-input")).to_be_visible()
    context.close()


def test_the_welcome_card_offers_the_most_served_topics_and_picking_one_asks_it(page, e2e_database_url):
    engine = make_engine(e2e_database_url)
    with Session(engine) as session:  # the bot has answered with this article more than any other
        session.execute(update(KbArticle).where(KbArticle.id == "hub-e204").values(served=KbArticle.served + 10_000))
        session.commit()
    engine.dispose()
    page.reload()
    page.click("#swarmdesk-launcher")
    topics = page.locator("#swarmdesk-welcome .sd-topics button")
    expect(topics.first).to_have_text("Hub error E-204", timeout=10_000)
    assert topics.count() == 4
    topics.first.click()
    expect(page.locator("#swarmdesk-messages .sd-customer .sd-text").first).to_have_text(
        "the hub cannot connect to the cloud"
    )  # the article's first question, asked for the customer
    expect(page.locator("#swarmdesk-messages a", has_text="Hub error E-204")).to_be_visible(timeout=20_000)
    expect(page.locator("#swarmdesk-welcome")).to_be_hidden()
