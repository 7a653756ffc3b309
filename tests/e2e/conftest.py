"""Whole-stack fixtures: one real Rasa server + action server per test run, and the app on a real port."""

import io
import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright
from sqlalchemy.orm import Session

from core.db import make_engine
from handoff.desk import queue as agent_queue
from handoff.desk.presence import online_agents
from ops import migrate, stack
from people import service as people
from people.models import UserCreate
from tests.conftest import free_port
from tests.e2e.translated_kb import write_translations
from tests.retrieval.sample_kb import ARTICLES, CLOSE_PAIR, write_article

STACK_LOG = io.StringIO()
STAFF_PASSWORD = "staff-password-1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def e2e_database_url(tmp_path_factory) -> str:
    """A migrated SQLite database for the whole-stack tests."""
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'swarmdesk.db'}"
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def bot_stack(redis_url: str, redis_prefix: str) -> Iterator[dict[str, str]]:
    """Start the real action server and Rasa server (about a minute) once for the run."""
    app_port, rasa_port, actions_port = free_port(), free_port(), free_port()
    supervisor = stack.Stack(log=STACK_LOG)
    env = stack.rasa_env(redis_url, prefix=f"{redis_prefix}rasa", action_port=actions_port)
    actions = stack.actions_process(
        port=actions_port, api_url=f"http://127.0.0.1:{app_port}", service_token="test-bot-token"
    )
    rasa = stack.rasa_process(model=stack.current_model(), port=rasa_port, env=env)
    try:
        for process in (actions, rasa):
            supervisor.start(process)
        for process in (actions, rasa):
            supervisor.wait_ready(process, timeout=300)
    except RuntimeError:
        supervisor.stop()
        sys.stderr.write(STACK_LOG.getvalue()[-5000:])
        raise
    yield {
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{actions_port}",
        "APP_PORT": str(app_port),
    }
    supervisor.stop()


def _wait_for_kb(url: str, *, timeout: float) -> None:
    """Wait until the app's health check reports its KB index open (built on first start)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=5).json().get("knowledge_base") == "ok":
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the app's knowledge base was not ready after {timeout:.0f} s")


@pytest.fixture(scope="session")
def e2e_kb(tmp_path_factory) -> Path:
    """The small Lumora KB of the retrieval tests and its close pair, as the live app's knowledge base, with its
    delivery article translated."""
    folder = tmp_path_factory.mktemp("e2e-kb")
    for article_id, (title, tags, questions, body) in (ARTICLES | CLOSE_PAIR).items():
        write_article(folder, article_id, title, tags, questions, body)
    write_translations(folder)
    return folder


@pytest.fixture(scope="session")
def shop_origin() -> str:
    """Another site (a page the tests serve on their own port) that the live app lets embed the widget."""
    return f"http://localhost:{free_port()}"


@pytest.fixture(scope="session")
def live_app(
    bot_stack, e2e_database_url: str, e2e_kb: Path, redis_url: str, redis_prefix: str, shop_origin: str
) -> Iterator[str]:
    """The app under uvicorn on a real port, wired to the test Rasa, Redis, database and KB; yields its URL."""
    port = int(bot_stack["APP_PORT"])
    env = {
        "KB_DIR": str(e2e_kb),
        "INDEX_DIR": str(e2e_kb.parent / "e2e-index"),
        "DATABASE_URL": e2e_database_url,
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": redis_prefix,
        "RASA_URL": bot_stack["RASA_URL"],
        "ACTION_SERVER_URL": bot_stack["ACTION_SERVER_URL"],
        "SECRET_KEY": "test-secret-key",
        "BOT_SERVICE_TOKEN": "test-bot-token",
        "HF_HUB_OFFLINE": "1",
        "DRAFT_FROM_RESOLVED": "true",
        "WIDGET_ORIGINS": json.dumps([shop_origin]),
    }
    supervisor = stack.Stack(log=STACK_LOG)
    app = stack.app_process(host="127.0.0.1", port=port, env=env)
    supervisor.start(app)
    try:
        supervisor.wait_ready(app, timeout=120)
        _wait_for_kb(f"http://127.0.0.1:{port}", timeout=300)
    except RuntimeError:
        supervisor.stop()
        sys.stderr.write(STACK_LOG.getvalue()[-5000:])
        raise
    yield f"http://127.0.0.1:{port}"
    supervisor.stop()


@pytest.fixture
def stack_client(app_env, bot_stack, monkeypatch):
    """A TestClient of the app whose settings point at the real Rasa of this run."""
    from fastapi.testclient import TestClient

    from app.main import create_app
    from core.settings import get_settings

    for name in ("RASA_URL", "ACTION_SERVER_URL"):
        monkeypatch.setenv(name, bot_stack[name])
    get_settings.cache_clear()
    with TestClient(create_app(), base_url="https://testserver") as client:
        yield client


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium, started by its executable path (never a downloaded browser)."""
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is missing: make test installs it (scripts/ensure_chromium.sh)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def create_staff(database_url: str, name: str, roles: list[str], skills: list[str] = ()) -> str:
    """Create an account in the live app's database (password STAFF_PASSWORD); return its email."""
    email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}@lumora.example"
    engine = make_engine(database_url)
    with Session(engine) as session:
        data = UserCreate(email=email, display_name=name, password=STAFF_PASSWORD, roles=roles, skills=list(skills))
        people.create_user(session=session, data=data)
    engine.dispose()
    return email


def staff(database_url: str, name: str, roles: list[str], skills: list[str] = ()) -> tuple[int, str, dict]:
    """A staff account in the live app's database: id, email and a bearer header."""
    email = create_staff(database_url, name, roles, skills)
    engine = make_engine(database_url)
    with Session(engine) as session:
        user = people.get_by_email(session=session, email=email)
        token = people.create_api_token(session=session, user=user, name="e2e")
        user_id = user.id
    engine.dispose()
    return user_id, email, {"Authorization": f"Bearer {token}"}


def sign_in(page, email: str, path: str) -> None:
    """Open `path`, which sends a signed-out browser to the sign-in form, and sign in."""
    page.goto(path)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def live_redis(monkeypatch, redis_url: str, redis_prefix: str) -> None:
    """Point this process's Redis helpers at the live app's Redis and key prefix."""
    from core import redis_client, settings

    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("REDIS_PREFIX", redis_prefix)
    settings.get_settings.cache_clear()
    redis_client.get_redis.cache_clear()
    yield
    settings.get_settings.cache_clear()
    redis_client.get_redis.cache_clear()


@pytest.fixture
def empty_queue(live_redis):
    """No conversation waiting or held by an agent, before the test (so the offer is for this customer) and after
    it (so none of its chats is offered to a later test's agent)."""
    _empty_queue()
    yield
    _empty_queue()


def _empty_queue() -> None:
    """Release every held conversation, then withdraw every waiting one (held first: the stack's routing round may
    put one an agent who just left held back in the queue meanwhile)."""
    for conversations in agent_queue.holders().values():
        for conversation_id in conversations:
            agent_queue.release(conversation_id)
    for row in agent_queue.waiting():
        agent_queue.withdraw(row["conversation_id"])


def leave_desks(*pages) -> None:
    """Set each desk away and wait until nobody is online: offline now, not after the presence TTL, as later tests
    need nobody online."""
    for page in pages:
        page.select_option("#presence", "away")
    deadline = time.monotonic() + 10
    while online_agents() and time.monotonic() < deadline:
        time.sleep(0.1)


@pytest.fixture
def desk(browser, live_app, e2e_database_url, empty_queue):
    """An agent signed in at the desk, connected (and so online)."""
    context = browser.new_context(base_url=live_app)
    page = context.new_page()
    sign_in(page, create_staff(e2e_database_url, "Dana Desk", ["agent"]), "/desk")
    expect(page.locator("#link-status")).to_have_text("Live", timeout=10_000)
    yield page
    leave_desks(page)
    context.close()


@pytest.fixture
def widget(browser, live_app):
    """A customer on the demo page with the chat open."""
    context = browser.new_context(base_url=live_app)
    page = context.new_page()
    page.goto("/")
    page.click("#swarmdesk-launcher")
    yield page
    context.close()


def say(widget, text: str) -> None:
    """The customer types and sends a message."""
    widget.fill("#swarmdesk-input", text)
    widget.click("#swarmdesk-send")


def pytest_sessionfinish(session, exitstatus) -> None:
    """When something failed, show the tail of the stack's logs."""
    if exitstatus and STACK_LOG.getvalue() and os.environ.get("SWARMDESK_QUIET_STACK") != "1":
        sys.stderr.write("\n--- stack log (tail) ---\n" + STACK_LOG.getvalue()[-4000:])
