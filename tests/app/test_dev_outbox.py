"""`/dev/outbox`: admins read development mail, escaped; nobody else does; absent with SMTP."""

import pytest

from mail import OutboxMailer, list_outbox
from tests.conftest import app_client, staff_auth


@pytest.fixture
def outbox_app(app_env, tmp_path, monkeypatch):
    """The app with its outbox in a tmp dir holding one email; `.admin` and `.agent` auth headers, `.email_name`."""
    OutboxMailer(tmp_path, sender="support@lumora.example").send(
        to="mia@example.com", subject="[CS-10001] <script>alert(1)</script>", body="Hello <b>Mia</b>"
    )
    with app_client(monkeypatch, mail_outbox_dir=tmp_path) as client:
        client.admin = staff_auth("Rita Root", ["admin"])
        client.agent = staff_auth("Alex Agent", ["agent"])
        client.email_name = list_outbox(tmp_path)[0]["name"]
        yield client


def test_an_admin_reads_the_outbox_with_everything_escaped(outbox_app):
    listing = outbox_app.get("/dev/outbox", headers=outbox_app.admin)
    assert listing.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing.text and "<script>alert" not in listing.text
    assert f'href="/dev/outbox/{outbox_app.email_name}"' in listing.text and "mia@example.com" in listing.text
    message = outbox_app.get(f"/dev/outbox/{outbox_app.email_name}", headers=outbox_app.admin)
    assert message.status_code == 200
    assert "Hello &lt;b&gt;Mia&lt;/b&gt;" in message.text and "<script>alert" not in message.text


def test_unknown_and_invalid_names_are_not_found(outbox_app):
    for name in ("..%2Fsecret", "20260101T000000000000Z-0123abcd.eml", "nope.eml"):
        assert outbox_app.get(f"/dev/outbox/{name}", headers=outbox_app.admin).status_code == 404


def test_nobody_else_reads_it(outbox_app):
    assert outbox_app.get("/dev/outbox").status_code == 401
    assert outbox_app.get(f"/dev/outbox/{outbox_app.email_name}").status_code == 401
    assert outbox_app.get("/dev/outbox", headers=outbox_app.agent).status_code == 403
    assert outbox_app.get(f"/dev/outbox/{outbox_app.email_name}", headers=outbox_app.agent).status_code == 403


def test_there_is_no_outbox_with_smtp(outbox_app, monkeypatch):
    from core.settings import get_settings

    monkeypatch.setenv("MAIL_BACKEND", "smtp")
    get_settings.cache_clear()
    for path in ("/dev/outbox", f"/dev/outbox/{outbox_app.email_name}"):
        response = outbox_app.get(path, headers=outbox_app.admin)
        assert response.status_code == 404
        assert response.json()["detail"] == "the outbox exists only with MAIL_BACKEND=outbox"
