"""The real platform for action tests: the app under uvicorn (from .venv) with its own database, Redis prefix and KB."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP_PYTHON = ROOT / ".venv" / "bin" / "python"
ARTICLES = {
    "hub-e204": (
        "Hub error E-204",
        "troubleshooting, hub",
        "the hub cannot reach the cloud",
        "E-204 means the Lumora Hub cannot reach the Lumora cloud. Restart your router.",
    ),
    "refunds": (
        "Refunds",
        "billing, refunds",
        "how long does a refund take",
        "Refunds go back to your original payment method within 5 business days.",
    ),
    "invoices": (
        "Download an invoice",
        "billing",
        "where is my invoice",
        "Every order has a PDF invoice under Orders → Invoice in your account.",
    ),
}
DUTCH = {  # some of ARTICLES in Dutch (the KB's translations/nl/); invoices is in English only
    "hub-e204": (
        "Hubfout E-204",
        "troubleshooting, hub",
        "de hub maakt geen verbinding met de cloud",
        "E-204 betekent dat de Lumora Hub de Lumora-cloud niet kan bereiken. Start je router opnieuw op.",
    ),
    "refunds": (
        "Terugbetalingen",
        "billing, refunds",
        "hoe lang duurt een terugbetaling",
        "Terugbetalingen gaan binnen 5 werkdagen terug naar je oorspronkelijke betaalmethode.",
    ),
}


def _write(folder: Path, articles: dict) -> None:
    """Write each article as a markdown file with front matter."""
    folder.mkdir(parents=True)
    for article_id, (title, tags, question, body) in articles.items():
        text = f"---\nid: {article_id}\ntitle: {title}\ntags: [{tags}]\nquestions:\n  - {question}\n---\n{body}\n"
        (folder / f"{article_id}.md").write_text(text, encoding="utf-8")


def _free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    """True once the app reports its KB index open."""
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
            body = response.read().decode()
    except OSError as error:  # 503 while Rasa is absent still carries the body
        body = error.read().decode() if hasattr(error, "read") else ""
    return '"knowledge_base":"ok"' in body


@pytest.fixture(scope="session")
def platform_url():
    """Start the app (migrated SQLite, Redis db 15 with a run prefix, a three-article KB, two of them in Dutch); yield
    its URL."""
    folder = Path(tempfile.mkdtemp(prefix="swarmdesk-bot-tests-"))
    kb = folder / "kb"
    _write(kb, ARTICLES)
    _write(kb / "translations" / "nl", DUTCH)
    database = f"sqlite:///{folder / 'swarmdesk.db'}"
    subprocess.run([str(APP_PYTHON), "-m", "ops.migrate", database], cwd=ROOT, check=True)
    port = _free_port()
    prefix = f"swarmdeskbottest{uuid.uuid4().hex[:8]}"
    env = os.environ | {
        "DATABASE_URL": database,
        "REDIS_URL": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
        "REDIS_PREFIX": prefix,
        "KB_DIR": str(kb),
        "INDEX_DIR": str(folder / "index"),
        "MAIL_OUTBOX_DIR": str(folder / "outbox"),
        "BOT_SERVICE_TOKEN": "bot-test-token",
        "SECRET_KEY": "bot-test-secret",
        "RASA_URL": f"http://127.0.0.1:{_free_port()}",
        "HF_HUB_OFFLINE": "1",
    }
    app = subprocess.Popen(
        [str(APP_PYTHON), "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while not _healthy(url):
            assert app.poll() is None and time.monotonic() < deadline, "the app did not start for the action tests"
            time.sleep(0.5)
        os.environ["SWARMDESK_API_URL"], os.environ["SWARMDESK_SERVICE_TOKEN"] = url, "bot-test-token"
        yield url
    finally:
        app.terminate()
        app.wait(10)
        shutil.rmtree(folder, ignore_errors=True)
        _delete_keys(env["REDIS_URL"], prefix)


def _delete_keys(url: str, prefix: str) -> None:
    """Remove the Redis keys this run wrote (redis-py ships with Rasa)."""
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
