"""One plain-text UTF-8 email, built the same way for every mailer."""

from email.message import EmailMessage
from email.utils import formatdate, make_msgid


class MailError(Exception):
    """An email could not be sent; the message says why."""


def build_message(*, sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text message with Date and Message-ID headers."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> ") or "swarmdesk.local")
    message.set_content(body, charset="utf-8")
    return message
