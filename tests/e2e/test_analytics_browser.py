"""The analytics page in real chromium: a lead sees non-empty charts over a seeded history, a click on a bar lists
the conversations behind it (an article's helpful rate of 0 % too), a cluster becomes a draft article, the phone
width needs no sideways scrolling, and the Content-Security-Policy is never violated. Screenshots go to
var/screenshots/."""

import io
import sys
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from core.db import make_engine
from core.settings import VAR_DIR
from ops import migrate, stack
from tests.analytics.conftest import History, visitor
from tests.conftest import free_port
from tests.e2e.conftest import create_staff, sign_in

pytestmark = pytest.mark.browser
FOLDER = VAR_DIR / "screenshots"
COLLECT = "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push("
COLLECT += "e.violatedDirective + ' ' + e.blockedURI));"
ADDRESS = (
    "how do I change my delivery address",
    "can I change the address for my delivery",
    "update my shipping address",
)


def _seed(history: History) -> None:
    """A week of traffic: answers and feedback, returns, handoffs and waits, unanswered questions, surveys, a swarm."""
    returning = visitor()
    for day in range(7):
        base = day * 24 * 60
        history.conversation(
            ("answer", base, {"article_id": "pair-hub"}), ("helpful", base + 1, {"article_id": "pair-hub"})
        )
        history.conversation(
            ("answer", base + 5, {"article_id": "e-204"}), ("not_helpful", base + 6, {"article_id": "e-204"})
        )
        history.conversation(
            ("answer", base + 9, {"article_id": "billing-cycle"}), ("close", base + 10), visitor=returning
        )
        waited = history.conversation(
            ("handoff", base + 20, {"reason": "customer_request", "detail": {"question": ADDRESS[day % 3]}}),
            ("accept", base + 20 + day + 0.5, {"actor_id": 1}), ("close", base + 40, {"actor_id": 1}),
        )  # fmt: skip
        history.add("survey", base + 41, waited, reason="csat", value=float(3 + day % 3))
        if day < 6:
            history.conversation(("not_found", base + 50, {"detail": {"question": "do you sell gift cards"}}))
    case, swarm = 700_000 + uuid.uuid4().int % 90_000, uuid.uuid4().int % 1_000_000
    history.add("case_opened", 0, case_id=case)
    history.add("swarm_started", 5, case_id=case, actor_id=1, detail={"swarm_id": swarm})
    history.add("swarm_joined", 9, actor_id=2, detail={"swarm_id": swarm})
    history.add("case_resolved", 300, case_id=case, actor_id=1)


@pytest.fixture(scope="module")
def analytics_app(tmp_path_factory, redis_url: str, redis_prefix: str):
    """The app on a real port over a database holding a seeded, refreshed history (no Rasa needed here)."""
    from retrieval.embedder import Embedder

    url = f"sqlite:///{tmp_path_factory.mktemp('analytics') / 'swarmdesk.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        history = History(session)
        _seed(history)
        history.refresh(hours_later=24 * 12, embed=Embedder(backend="onnx", threads=1).encode)
    engine.dispose()
    port, log = free_port(), io.StringIO()
    env = {
        "DATABASE_URL": url, "REDIS_URL": redis_url, "REDIS_PREFIX": f"{redis_prefix}a", "KB_PRELOAD": "false",
        "SECRET_KEY": "test-secret-key", "BOT_SERVICE_TOKEN": "test-bot-token", "RASA_URL": f"http://127.0.0.1:{free_port()}",
        "KB_DIR": str(tmp_path_factory.mktemp("kb")), "INDEX_DIR": str(tmp_path_factory.mktemp("index")),
    }  # fmt: skip
    supervisor = stack.Stack(log=log)
    app = stack.app_process(host="127.0.0.1", port=port, env=env)
    supervisor.start(app)
    try:
        supervisor.wait_ready(app, timeout=120)
    except RuntimeError:
        supervisor.stop()
        sys.stderr.write(log.getvalue()[-4000:])
        raise
    yield {"url": f"http://127.0.0.1:{port}", "database": url, "history": history}
    supervisor.stop()


def _drawn(page, canvas: str) -> int:
    """How many pixels of a chart's canvas are painted."""
    return page.evaluate(
        """(id) => { const c = document.getElementById(id);
           const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
           let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }""",
        canvas,
    )


def _click_bar(page, canvas: str, label: str | None = None) -> None:
    """Click the middle of a chart's bar: the one of `label`, else the first non-empty one."""
    page.locator(f"#{canvas}").scroll_into_view_if_needed()
    box = page.locator(f"#{canvas}").bounding_box()
    point = page.evaluate(
        """([id, label]) => { const chart = Chart.getChart(id);
           for (const [d, set] of chart.data.datasets.entries()) {
             const i = label === null ? set.data.findIndex((v) => v > 0) : chart.data.labels.indexOf(label);
             if (i >= 0) return chart.getDatasetMeta(d).data[i].getCenterPoint(); } }""",
        [canvas, label],
    )
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def test_a_lead_reads_the_charts_opens_the_conversations_behind_a_bar_and_drafts_an_article(browser, analytics_app):
    history: History = analytics_app["history"]
    first, last = history.day, history.day + timedelta(days=13)
    FOLDER.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(base_url=analytics_app["url"], viewport={"width": 1280, "height": 900})
    context.add_init_script(COLLECT)
    page = context.new_page()
    sign_in(page, create_staff(analytics_app["database"], "Lea Lead", ["lead"]), "/analytics")
    expect(page.locator("#empty")).to_be_visible()  # the last 30 days hold nothing yet
    page.fill("#from", str(first))
    page.fill("#to", str(last))
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.locator("#empty")).to_be_hidden()
    expect(page.locator("#headline .figure").first).to_have_text("34Conversations")
    for canvas in ("chart-trend", "chart-reasons", "chart-wait", "chart-swarms", "chart-surveys"):
        assert _drawn(page, canvas) > 500, canvas

    _click_bar(page, "chart-reasons")
    drill = page.locator("#drill")
    expect(drill).to_be_visible()
    expect(page.locator("#drill-title")).to_contain_text("Handed off: customer request — 7 found")
    rows = page.locator("#drill-rows li a")
    expect(rows).to_have_count(7)
    assert rows.first.get_attribute("href").startswith("/analytics/conversations/")
    record = context.new_page()
    record.goto(rows.first.get_attribute("href"))
    expect(record.locator("#record-title")).to_contain_text("Conversation")
    expect(record.locator(".record-rows tbody tr").first).to_contain_text("handoff")
    record.close()

    _click_bar(page, "chart-trend")
    expect(page.locator("#drill-title")).to_contain_text(f"contained on {first}")
    _click_bar(page, "chart-helpful", "e-204")  # helpful 0 %: the worst rate still has a bar to click
    expect(page.locator("#drill-title")).to_contain_text("Answered with e-204 — 7 found")
    without = page.evaluate("Chart.getChart('chart-swarms').data.datasets[1].data")
    assert without == [None]  # no case of that kind was resolved without a swarm: no bar, not a bar of 0 hours

    clusters = page.locator("#clusters li")
    expect(clusters).to_have_count(2)
    expect(clusters.nth(1)).to_contain_text("6 × do you sell gift cards")
    address = clusters.first
    expect(address).to_contain_text("7 × ")
    expect(address.locator("q")).to_have_count(3)  # three different ways it was asked
    address.get_by_role("button", name="Draft an article").click()
    expect(page.locator("#draft-status")).to_contain_text("is in the knowledge base editor")
    expect(address.get_by_role("button", name="Drafted:")).to_be_disabled()
    page.screenshot(path=FOLDER / "analytics-desktop.png", full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert _drawn(page, "chart-trend") > 500
    page.screenshot(path=FOLDER / "analytics-phone.png", full_page=True)
    assert page.evaluate("window.__csp") == []
    print(f"screenshots: {FOLDER}/analytics-desktop.png, {FOLDER}/analytics-phone.png")
    context.close()
