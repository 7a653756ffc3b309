"""The demo history through the real stack (Rasa, the action server, the app): simulated customers, agents at the
desk, cases and a swarm, moved into the past, fill a lead's analytics page with charts (screenshot in
var/screenshots/)."""

import asyncio
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import sessionmaker

from core import ratelimit
from core.db import make_engine
from core.settings import VAR_DIR
from handoff.desk.presence import online_agents
from ops import demo_history, timeline
from tests.e2e.conftest import create_staff, sign_in

pytestmark = pytest.mark.browser
CHARTS = ("chart-trend", "chart-reasons", "chart-wait", "chart-surveys")


def _wait_until_drawn(page, canvas: str) -> None:
    """Wait (10 s at most) until more than 500 pixels of a chart's canvas are painted: the figures load, then draw."""
    page.wait_for_function(
        """(id) => { const c = document.getElementById(id); if (!c || !c.width) return false;
           const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
           let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n > 500; }""",
        arg=canvas,
        timeout=10_000,
    )


def test_the_demo_history_fills_the_analytics_page(browser, live_app, e2e_database_url, live_redis, tmp_path):
    sessions = sessionmaker(bind=make_engine(e2e_database_url), expire_on_commit=False)
    first = demo_history.next_activity_id(sessions)
    simulation = demo_history.simulate(
        live_app, sessions, conversations=30, seed=3, parallel=3, logins=tmp_path / "logins.json"
    )
    with ThreadPoolExecutor(1) as thread:  # Playwright's sync API holds this thread's event loop
        run = thread.submit(asyncio.run, simulation).result()
    ratelimit.reset("conversations:127.0.0.1")  # the simulated customers came from this machine: later tests too
    assert len(run.conversations) == 30
    assert run.counts.get("handed off", 0) >= 3 and run.counts.get("swarms", 0) >= 1, run.counts
    assert not any(what.startswith(("customer error", "agent error")) for what in run.counts), run.counts
    assert not online_agents(), "the simulated agents must leave the desk"
    assert timeline.spread(sessions, run, days=14, rng=random.Random(3)) > 100
    demo_history.refresh_analytics(sessions, first)

    page = browser.new_context(base_url=live_app, viewport={"width": 1280, "height": 1000}).new_page()
    sign_in(page, create_staff(e2e_database_url, "Lee Lead", ["lead"]), "/analytics")
    page.fill("#from", str(date.today() - timedelta(days=15)))
    page.fill("#to", str(date.today()))
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.locator("#empty")).to_be_hidden()
    for canvas in CHARTS:
        expect(page.locator(f"#{canvas}")).to_be_visible()
        _wait_until_drawn(page, canvas)
    folder = VAR_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "analytics-demo-history.png"), full_page=True)
