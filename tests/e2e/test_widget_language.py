"""The widget in the customer's language, in real chromium: a browser set to Italian gets the widget in Italian, the
language picker switches it to Finnish at once, and the bot's words come back in Finnish; a first "buongiorno", too
short for the server to tell its language, is answered in the Italian the widget shows."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.stack, pytest.mark.browser]


@pytest.fixture
def italian_page(browser, live_app):
    """A fresh context whose browser prefers Italian, on the demo page."""
    context = browser.new_context(base_url=live_app, locale="it-IT")
    page = context.new_page()
    page.goto("/")
    yield page
    context.close()


def test_an_italian_browser_gets_the_widget_in_italian_and_the_picker_switches_it(italian_page):
    page = italian_page
    page.click("#swarmdesk-launcher")
    expect(page.locator("#swarmdesk-send")).to_have_text("Invia")
    expect(page.locator("#swarmdesk-state")).to_have_text("Assistente virtuale")
    expect(page.locator("#swarmdesk-input")).to_have_attribute("placeholder", "Scrivi il tuo messaggio…")
    page.select_option("#swarmdesk-language", "fi")
    expect(page.locator("#swarmdesk-send")).to_have_text("Lähetä")
    expect(page.locator("#swarmdesk-end")).to_have_text("Lopeta keskustelu")
    page.fill("#swarmdesk-input", "mikä tämä on")
    page.click("#swarmdesk-send")
    bot = page.locator("#swarmdesk-messages .sd-msg.sd-bot .sd-text, #swarmdesk-messages .sd-msg.sd-system .sd-text")
    expect(bot.first).to_be_visible(timeout=20_000)
    finnish = ("Anteeksi", "En löytänyt", "Olen Lumoran", "Autan", "Hei!", "Pahoittelut", "Voin", "Tarkoititko")
    finnish += ("Vastasiko",)
    said = bot.all_inner_texts()
    assert any(text.startswith(finnish) for text in said), said
    page.reload()
    expect(page.locator("#swarmdesk-language")).to_have_value("fi")
    expect(page.locator("#swarmdesk-send")).to_have_text("Lähetä")


def test_an_italian_browser_is_answered_in_italian_from_a_first_buongiorno(italian_page):
    page = italian_page
    page.click("#swarmdesk-launcher")
    page.fill("#swarmdesk-input", "buongiorno")  # one word: too short for the server to tell its language
    page.click("#swarmdesk-send")
    bot = page.locator("#swarmdesk-messages .sd-msg.sd-bot .sd-text")
    expect(bot.first).to_contain_text("Sono l'assistente virtuale di Lumora", timeout=20_000)
