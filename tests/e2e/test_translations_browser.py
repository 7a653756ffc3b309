"""Translating an article in the KB editor, in real chromium: the editor sees which languages are missing, writes
the Italian one, sees it up to date, and an Italian reader of the help centre gets it."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in, staff

pytestmark = [pytest.mark.stack, pytest.mark.browser]


def test_an_editor_translates_an_article_and_the_help_centre_serves_it(live_app, browser, e2e_database_url):
    _, editor_email, _ = staff(e2e_database_url, "Tina Translator", ["editor"])
    context = browser.new_context(base_url=live_app)
    page = context.new_page()
    try:
        sign_in(page, editor_email, "/kb")
        # the published article: another test's resolved case may have drafted a proposed update of it, titled alike
        published = page.locator("#articles li", has_text="Refunds").filter(has_text="published")
        published.get_by_role("button").click()
        rows = page.locator("#translations li")
        expect(rows.filter(has_text="Dutch")).to_contain_text("up to date")
        expect(rows.filter(has_text="Italian")).to_contain_text("missing")
        rows.filter(has_text="Italian").get_by_role("button", name="Translate into Italian").click()
        page.locator("#translation-title").fill("Rimborsi")
        page.locator("#translation-questions").fill("quanto tempo ci vuole per un rimborso")
        page.locator("#translation-body").fill("I rimborsi arrivano entro 5 giorni lavorativi dal reso.")
        page.get_by_role("button", name="Save translation").click()
        expect(rows.filter(has_text="Italian")).to_contain_text("up to date")
        expect(page.locator("#translation-form")).to_be_hidden()

        page.goto("/help/refunds?lang=it")
        expect(page.locator("h1")).to_have_text("Rimborsi")
        expect(page.locator("html")).to_have_attribute("lang", "it")
        expect(page.locator(".help-languages a[aria-current]")).to_have_text("Italiano")
    finally:
        context.close()
