"""The mailers against real receivers: a local SMTP server (aiosmtpd) and an outbox folder."""

from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from mail import MailError, OutboxMailer, SmtpMailer, list_outbox, read_outbox
from tests.conftest import free_port

SENDER = "Lumora Support <support@lumora.example>"


class Inbox:
    """An aiosmtpd handler keeping what it receives."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def test_smtp_delivers_a_utf8_message():
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        message_id = SmtpMailer(host="127.0.0.1", port=port, sender=SENDER).send(
            to="mia@example.com", subject="Café — CS-10428", body="Grüße, your hub is on its way."
        )
    finally:
        controller.stop()
    [received] = inbox.messages
    assert received["To"] == "mia@example.com" and received["Subject"] == "Café — CS-10428"
    assert received["Message-ID"] == message_id
    assert received.get_body().get_content().strip() == "Grüße, your hub is on its way."


def test_smtp_failure_names_the_server():
    port = free_port()
    with pytest.raises(MailError, match=f"127.0.0.1:{port} refused the connection"):
        SmtpMailer(host="127.0.0.1", port=port, sender=SENDER, timeout=2).send(to="a@b.co", subject="s", body="b")


def test_outbox_writes_lists_newest_first_and_reads_back(tmp_path):
    mailer = OutboxMailer(tmp_path / "outbox", sender=SENDER)
    mailer.send(to="first@example.com", subject="First", body="one")
    mailer.send(to="second@example.com", subject="Second", body="two")
    listed = list_outbox(tmp_path / "outbox")
    assert [m["subject"] for m in listed] == ["Second", "First"]
    assert read_outbox(tmp_path / "outbox", listed[1]["name"])["body"].strip() == "one"
    assert read_outbox(tmp_path / "outbox", "../secret") is None
    assert read_outbox(tmp_path / "outbox", "nope.eml") is None
