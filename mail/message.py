"""One plain-text UTF-8 email, built the same way for every mailer."""

from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr


class MailError(Exception):
    """An email could not be sent; the message says why."""


def build_message(*, sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text message with Date and Message-ID headers; line breaks in the subject become spaces."""
    message = EmailMessage()
    message["From"], message["To"] = sender, to
    message["Subject"] = " ".join(subject.splitlines())
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or "swarmdesk.local")
    message.set_content(body, charset="utf-8")
    return message
