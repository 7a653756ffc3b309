"""Customer emails over a real local SMTP receiver (aiosmtpd), and the scheduler's Redis lock."""

import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from ops.stack import free_port
from tests.conftest import app_client, staff_auth


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp_app(app_env, monkeypatch):
    """The app sending mail over SMTP to a port where, at first, nothing listens."""
    port = free_port()
    with app_client(monkeypatch, mail_backend="smtp", smtp_port=port, smtp_timeout_seconds=2) as client:
        client.agent = staff_auth("Ana Agent", ["agent"])
        client.smtp_port = port
        yield client


def test_a_failed_send_never_blocks_the_case_is_visible_and_is_retried(smtp_app):
    from cases.emails import deliver_due
    from cases.models import utcnow
    from core.settings import get_settings
    from mail import make_mailer

    created = smtp_app.post(
        "/api/cases", json={"customer_email": "mia@example.com", "subject": "Cam offline"}, headers=smtp_app.agent
    )
    assert created.status_code == 201
    number = created.json()["number"]
    for _ in range(100):  # the first attempt runs in a background thread right after the change
        email = smtp_app.get(f"/api/cases/{number}", headers=smtp_app.agent).json()["emails"][0]
        if email["attempts"] and email["status"] != "sending":
            break
        time.sleep(0.05)
    assert email["status"] == "pending" and email["attempts"] == 1
    assert str(smtp_app.smtp_port) in email["last_error"]

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_app.smtp_port)
    controller.start()
    try:
        from core.db import get_session_factory

        with get_session_factory()() as session:  # the scheduler's retry, a few minutes later
            deliver_due(session, make_mailer(get_settings()).send, utcnow() + timedelta(minutes=20))
    finally:
        controller.stop()
    email = smtp_app.get(f"/api/cases/{number}", headers=smtp_app.agent).json()["emails"][0]
    assert email["status"] == "sent" and email["last_error"] is None
    received = [m.decode() for m in inbox.messages if number.encode() in m]
    assert len(received) == 1 and "To: mia@example.com" in received[0]


def test_only_the_worker_holding_the_lock_runs_scheduled_work(app_env):
    from app.scheduler import run_due_jobs
    from core.redis_client import get_redis, key
    from core.settings import get_settings

    settings = get_settings()
    other_worker = get_redis().lock(key("scheduler", "lock"), timeout=30)
    assert other_worker.acquire(blocking=False)
    try:
        assert run_due_jobs(settings) is False
    finally:
        other_worker.release()
    assert run_due_jobs(settings) is True
