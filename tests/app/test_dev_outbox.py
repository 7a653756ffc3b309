"""`/dev/outbox`: admins read development mail, escaped; nobody else does; absent with SMTP."""

import uuid

import pytest

from app import admin
from mail import OutboxMailer


@pytest.fixture
def outbox_app(app_env, tmp_path, monkeypatch):
    """The app with its outbox in a tmp dir holding one email; `.admin` and `.agent` auth headers."""
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import get_settings

    monkeypatch.setenv("MAIL_OUTBOX_DIR", str(tmp_path))
    get_settings.cache_clear()
    OutboxMailer(tmp_path, sender="support@lumora.example").send(
        to="mia@example.com", subject="[CS-10001] <script>alert(1)</script>", body="Hello <b>Mia</b>"
    )
    tag = uuid.uuid4().hex[:6]
    admin.create_user(f"root-{tag}@lumora.example", "Rita Root", ["admin"], "admin-password-1")
    admin.create_user(f"agent-{tag}@lumora.example", "Alex Agent", ["agent"], "agent-password-1")
    with TestClient(create_app(), base_url="https://testserver") as client:
        client.admin = {"Authorization": f"Bearer {admin.create_token(f'root-{tag}@lumora.example', 't')}"}
        client.agent = {"Authorization": f"Bearer {admin.create_token(f'agent-{tag}@lumora.example', 't')}"}
        yield client


def test_an_admin_reads_the_outbox_with_everything_escaped(outbox_app):
    listing = outbox_app.get("/dev/outbox", headers=outbox_app.admin)
    assert listing.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing.text and "<script>alert" not in listing.text
    name = listing.text.split('href="/dev/outbox/')[1].split('"')[0]
    message = outbox_app.get(f"/dev/outbox/{name}", headers=outbox_app.admin)
    assert "Hello &lt;b&gt;Mia&lt;/b&gt;" in message.text
    assert outbox_app.get("/dev/outbox/..%2Fsecret", headers=outbox_app.admin).status_code == 404


def test_nobody_else_reads_it(outbox_app):
    assert outbox_app.get("/dev/outbox").status_code == 401
    assert outbox_app.get("/dev/outbox", headers=outbox_app.agent).status_code == 403


def test_there_is_no_outbox_with_smtp(outbox_app, monkeypatch):
    from app.settings import get_settings

    monkeypatch.setenv("MAIL_BACKEND", "smtp")
    get_settings.cache_clear()
    response = outbox_app.get("/dev/outbox", headers=outbox_app.admin)
    assert response.status_code == 404 and "MAIL_BACKEND=outbox" in response.json()["detail"]
