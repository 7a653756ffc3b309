"""The mailers against real receivers: a local SMTP server (aiosmtpd) and an outbox folder."""

import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from mail import MailError, OutboxMailer, SmtpMailer, list_outbox, read_outbox
from ops.stack import free_port

SENDER = "Lumora Support <support@lumora.example>"


class Inbox:
    """An aiosmtpd handler keeping what it receives."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        """aiosmtpd's hook for a received message: keep it, parsed."""
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@contextmanager
def smtp_server(**options) -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on 127.0.0.1 and a free port while the block runs."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_smtp_delivers_a_utf8_message():
    with smtp_server() as (inbox, port):
        message_id = SmtpMailer(host="127.0.0.1", port=port, sender=SENDER).send(
            to="mia@example.com", subject="Café — CS-10428", body="Grüße, your hub is on its way."
        )
    [received] = inbox.messages
    assert received["To"] == "mia@example.com" and received["Subject"] == "Café — CS-10428"
    assert received["From"] == SENDER and received["Date"]
    assert received["Message-ID"] == message_id and message_id.endswith("@lumora.example>")
    assert received.get_body().get_content().strip() == "Grüße, your hub is on its way."


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # plain AUTH on purpose, locally
def test_smtp_logs_in_when_a_username_is_set():
    accepted = []

    def accept_ana(server, session, envelope, mechanism, auth_data):
        """Accept only Ana's password; handled=False lets the server answer 535 to a wrong one."""
        success = (auth_data.login, auth_data.password) == (b"ana", b"s3cret")
        if success:
            accepted.append(auth_data.login)
        return AuthResult(success=success, handled=False)

    options = {"authenticator": accept_ana, "auth_required": True, "auth_require_tls": False}
    with smtp_server(**options) as (inbox, port):
        SmtpMailer(host="127.0.0.1", port=port, username="ana", password="s3cret", sender=SENDER).send(
            to="mia@example.com", subject="Hi", body="b"
        )
        with pytest.raises(MailError, match=f"SMTP 127.0.0.1:{port} answered 535"):
            SmtpMailer(host="127.0.0.1", port=port, username="ana", password="wrong", sender=SENDER).send(
                to="mia@example.com", subject="Hi", body="b"
            )
    assert accepted == [b"ana"] and len(inbox.messages) == 1


def test_starttls_refuses_a_certificate_nobody_vouches_for(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        + ["-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with smtp_server(tls_context=context) as (inbox, port), pytest.raises(MailError, match="CERTIFICATE_VERIFY_FAILED"):
        SmtpMailer(host="127.0.0.1", port=port, starttls=True, sender=SENDER, timeout=5).send(
            to="mia@example.com", subject="Hi", body="b"
        )
    assert inbox.messages == []


def test_smtp_failures_name_the_server():
    port = free_port()
    with pytest.raises(MailError, match=f"SMTP 127.0.0.1:{port} refused the connection"):
        SmtpMailer(host="127.0.0.1", port=port, sender=SENDER, timeout=2).send(to="a@b.co", subject="s", body="b")
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts connections, never greets
        port = silent.getsockname()[1]
        with pytest.raises(MailError, match=f"SMTP 127.0.0.1:{port} did not answer within 0.3 s"):
            SmtpMailer(host="127.0.0.1", port=port, sender=SENDER, timeout=0.3).send(to="a@b.co", subject="s", body="b")


def test_outbox_writes_lists_newest_first_and_reads_back(tmp_path):
    mailer = OutboxMailer(tmp_path / "outbox", sender=SENDER)
    first_id = mailer.send(to="first@example.com", subject="First", body="one")
    mailer.send(to="second@example.com", subject="Second\nline", body="two")
    listed = list_outbox(tmp_path / "outbox")
    assert [m["subject"] for m in listed] == ["Second line", "First"]
    assert set(listed[0]) == {"name", "to", "subject", "date"}
    first = read_outbox(tmp_path / "outbox", listed[1]["name"])
    assert first["to"] == "first@example.com" and first["body"].strip() == "one"
    assert first_id in (tmp_path / "outbox" / listed[1]["name"]).read_text()
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == sorted(m["name"] for m in listed)


def test_outbox_reads_only_its_own_file_names(tmp_path):
    (tmp_path / "secret").write_text("To: x@y.z\n\nsecret")
    outbox = tmp_path / "outbox"
    OutboxMailer(outbox, sender=SENDER).send(to="a@b.co", subject="s", body="b")
    [listed] = list_outbox(outbox)
    assert read_outbox(outbox, "../secret") is None
    assert read_outbox(outbox, "nope.eml") is None
    assert read_outbox(outbox, listed["name"] + "\n") is None
    assert read_outbox(outbox, "20260101T000000000000Z-0123abcd.eml") is None  # the right shape, but absent
    assert list_outbox(tmp_path / "never-written") == []
