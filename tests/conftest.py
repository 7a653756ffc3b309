"""Shared fixtures: a real Redis (own database number and key prefix) and real databases (SQLite; PostgreSQL
when TEST_DATABASE_URL is set, in a schema of its own), wired into the app's settings."""

import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest
import redis
from sqlalchemy import create_engine, text

from ops.stack import free_port

os.environ.setdefault("HF_HUB_OFFLINE", "1")
RUN_ID = uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """TEST_REDIS_URL (default: database 15 on the local Redis), or a throwaway redis-server if none answers."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_timeout=1).ping()
        yield url
        return
    except redis.RedisError:
        pass
    port, folder = free_port(), tempfile.mkdtemp(prefix="swarmdesk-redis-")
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            folder,
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/15"
    for _ in range(50):
        try:
            redis.Redis.from_url(url, socket_timeout=1).ping()
            break
        except redis.RedisError:
            time.sleep(0.1)
    yield url
    server.terminate()
    server.wait()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_prefix(redis_url: str) -> Iterator[str]:
    """An alphanumeric key prefix for this run (Rasa's too); its keys are deleted afterwards, nothing else."""
    prefix = f"swarmdesktest{RUN_ID}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def _database_params() -> list[str]:
    """SQLite always; PostgreSQL too when TEST_DATABASE_URL is set."""
    return ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]


@contextmanager
def postgres_schema(name: str) -> Iterator[str]:
    """A migrated PostgreSQL schema of its own on TEST_DATABASE_URL (its URL), dropped afterwards."""
    from ops import migrate

    admin = create_engine(os.environ["TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {name}"))
    try:
        url = f"{os.environ['TEST_DATABASE_URL']}?options=-csearch_path%3D{name}"
        migrate.upgrade(url)
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {name} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="session", params=_database_params())
def database_url(request, tmp_path_factory) -> Iterator[str]:
    """A migrated, empty database: a SQLite file, or a PostgreSQL schema dropped after the run."""
    from ops import migrate

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'swarmdesk.db'}"
        migrate.upgrade(url)
        yield url
        return
    with postgres_schema(f"swarmdesk_test_{RUN_ID}") as url:
        yield url


@pytest.fixture(scope="session")
def rasa_url() -> str:
    """Where the app looks for Rasa in tests that do not start it: a port nothing listens on."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def app_env(monkeypatch, database_url: str, redis_url: str, redis_prefix: str, rasa_url: str) -> dict[str, str]:
    """Point the app's settings at the test database, Redis and Rasa; clear the cached clients."""
    from core import db, redis_client, settings

    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": redis_prefix,
        "RASA_URL": rasa_url,
        "ACTION_SERVER_URL": rasa_url,
        "SECRET_KEY": "test-secret-key",
        "BOT_SERVICE_TOKEN": "test-bot-token",
        "KB_PRELOAD": "false",
        "DRAFT_FROM_RESOLVED": "false",  # on only where a test wants it: drafting opens the KB index
        "LANGUAGE_DETECTION": "false",  # on only where a test wants it: the detector takes 300 MB and 10 s to load
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for cached in (settings.get_settings, db.get_engine, db.get_session_factory, redis_client.get_redis):
        cached.cache_clear()
    yield env
    db.get_engine().dispose()
    for cached in (settings.get_settings, db.get_engine, db.get_session_factory, redis_client.get_redis):
        cached.cache_clear()


@pytest.fixture
def own_queue(app_env, monkeypatch, redis_prefix) -> None:
    """A Redis key prefix of this test's own, so live apps of the same run (with their routing rounds) never
    touch what the test put in Redis."""
    from core.settings import get_settings

    monkeypatch.setenv("REDIS_PREFIX", f"{redis_prefix}t{uuid.uuid4().hex[:6]}")
    get_settings.cache_clear()


@pytest.fixture
def own_database(app_env, monkeypatch, tmp_path) -> Iterator[dict[str, str]]:
    """A database of the run's kind (SQLite file or PostgreSQL schema), KB folder and index of this test's own
    (settings for app_client): an index built here imports only this test's KB, not another test's articles."""
    from core import db, settings
    from ops import migrate

    with ExitStack() as cleanup:
        if app_env["DATABASE_URL"].startswith("sqlite"):
            url = f"sqlite:///{tmp_path / 'own.db'}"
            migrate.upgrade(url)
        else:
            url = cleanup.enter_context(postgres_schema(f"swarmdesk_own_{RUN_ID}_{uuid.uuid4().hex[:6]}"))
        (tmp_path / "kb").mkdir()
        monkeypatch.setenv("DATABASE_URL", url)
        for cached in (settings.get_settings, db.get_engine, db.get_session_factory):
            cached.cache_clear()
        yield {"kb_dir": str(tmp_path / "kb"), "index_dir": str(tmp_path / "index")}
        db.get_engine().dispose()
        for cached in (db.get_engine, db.get_session_factory):
            cached.cache_clear()


@contextmanager
def app_client(monkeypatch, **env: str):
    """The real app in a TestClient over HTTPS (the session cookie is Secure), with `env` set on top of app_env."""
    from fastapi.testclient import TestClient

    from app.main import create_app
    from core.settings import get_settings

    for name, value in env.items():
        monkeypatch.setenv(name.upper(), str(value))
    get_settings.cache_clear()
    with TestClient(create_app(), base_url="https://testserver") as test_client:
        yield test_client


def staff_auth(name: str, roles: list[str]) -> dict[str, str]:
    """The bearer header of a new staff account (a fresh email each call)."""
    from ops import admin

    email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}@lumora.example"
    admin.create_user(email, name, roles, "staff-password-1")
    return {"Authorization": f"Bearer {admin.create_token(email, 'tests')}"}


@pytest.fixture
def client(own_queue, monkeypatch):
    """The real app with the test settings (and Redis keys of its own)."""
    with app_client(monkeypatch) as test_client:
        yield test_client


def metric(text: str, name: str, **labels: str) -> float:
    """One sample's value from a /metrics exposition (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))  # the exposition sorts labels
    found = re.search(rf"^{name}\{{{re.escape(wanted)}\}} (\S+)$", text, re.M) if labels else None
    found = found or re.search(rf"^{name} (\S+)$", text, re.M)
    return float(found.group(1)) if found else 0.0
