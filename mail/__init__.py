"""Sending email to customers: an outbox folder in development, SMTP in production (imports no Swarmdesk package).

mailer = make_mailer(settings)       # settings.mail_backend: "outbox" | "smtp"
message_id = mailer.send(to="mia@example.com", subject="…", body="…")   # MailError when it fails
"""

from typing import Protocol

from mail.message import MailError, build_message
from mail.outbox import OutboxMailer, list_outbox, read_outbox
from mail.smtp import SmtpMailer


class Mailer(Protocol):
    """Anything that sends one plain-text email and returns its Message-ID."""

    def send(self, *, to: str, subject: str, body: str) -> str:
        """Send; raise MailError when it fails."""
        ...


def make_mailer(settings) -> Mailer:
    """The mailer the settings ask for (`mail_backend`, `mail_outbox_dir`, `mail_from`, `smtp_*`)."""
    if settings.mail_backend == "outbox":
        return OutboxMailer(settings.mail_outbox_dir, sender=settings.mail_from)
    return SmtpMailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
        sender=settings.mail_from,
        timeout=settings.smtp_timeout_seconds,
    )


__all__ = [
    "MailError",
    "Mailer",
    "OutboxMailer",
    "SmtpMailer",
    "build_message",
    "list_outbox",
    "make_mailer",
    "read_outbox",
]
