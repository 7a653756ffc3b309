"""Every page works under the Content-Security-Policy: no violation in a real browser, the headers on each."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import create_staff, leave_desks, sign_in

pytestmark = pytest.mark.browser
COLLECT = "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push("
COLLECT += "e.violatedDirective + ' ' + e.blockedURI));"
PUBLIC = ["/", "/help", "/help/reset-password", "/login"]
STAFF = ["/account", "/admin/people", "/desk/canned", "/swarms", "/kb", "/desk"]  # the desk last: it puts one online


def _visit(page, path: str, violations: dict) -> None:
    """Open a page, wait for its scripts to settle, and note any CSP violation."""
    response = page.goto(path)
    assert "script-src 'self'" in response.headers["content-security-policy"], path
    assert response.headers["x-frame-options"] == "DENY" and response.headers["x-content-type-options"] == "nosniff"
    page.wait_for_load_state("networkidle")
    violations[path] = page.evaluate("window.__csp")


def test_every_page_loads_and_runs_its_scripts_without_a_csp_violation(browser, live_app, e2e_database_url, live_redis):
    context = browser.new_context(base_url=live_app)
    context.add_init_script(COLLECT)
    page = context.new_page()
    console = []
    page.on("console", lambda message: console.append(message.text) if "Content Security" in message.text else None)
    violations: dict[str, list] = {}
    try:
        for path in PUBLIC:
            _visit(page, path, violations)
        page.goto("/")
        page.locator("#swarmdesk-launcher").click()  # the widget opens and connects under the policy
        expect(page.locator("#swarmdesk-panel")).to_be_visible()
        violations["/ (widget open)"] = page.evaluate("window.__csp")
        email = create_staff(e2e_database_url, "Cora Csp", ["admin", "agent", "editor", "expert"])
        sign_in(page, email, "/kb")
        for path in STAFF:
            _visit(page, path, violations)
        leave_desks(page)
    finally:
        context.close()
    assert {path: found for path, found in violations.items() if found} == {} and console == []
