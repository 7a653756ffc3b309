"""Development mail: each email is written as a .eml file in a folder, listed at /dev/outbox."""

import os
import re
import uuid
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

from mail.message import MailError, build_message

NAME = re.compile(r"\d{8}T\d{12}Z-[0-9a-f]{8}\.eml")  # the only names read_outbox opens


class OutboxMailer:
    """Writes each message atomically to `<UTC time>-<id>.eml` in `folder`."""

    def __init__(self, folder: str | Path, *, sender: str) -> None:
        self.folder, self.sender = Path(folder), sender

    def send(self, *, to: str, subject: str, body: str) -> str:
        """Write the message; returns its Message-ID."""
        message = build_message(sender=self.sender, to=to, subject=subject, body=body)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}.eml"
        temporary = self.folder / f".{name}.tmp"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(message.as_bytes())
            os.replace(temporary, self.folder / name)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise MailError(f"could not write to the outbox {self.folder}: {error}") from error
        return message["Message-ID"]


def _parse(path: Path) -> dict:
    """The headers and body of one stored message."""
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    body = message.get_body(preferencelist=("plain",))
    return {
        "name": path.name,
        "to": str(message["To"]),
        "subject": str(message["Subject"]),
        "date": str(message["Date"]),
        "body": body.get_content() if body else "",
    }


def list_outbox(folder: str | Path, limit: int = 100) -> list[dict]:
    """The newest messages first: {"name", "to", "subject", "date"}."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    names = sorted((p for p in folder.iterdir() if NAME.fullmatch(p.name)), key=lambda p: p.name, reverse=True)
    return [{k: v for k, v in _parse(path).items() if k != "body"} for path in names[:limit]]


def read_outbox(folder: str | Path, name: str) -> dict | None:
    """One message with its body, or None for an unknown or invalid name (never a path outside the folder)."""
    if not NAME.fullmatch(name):
        return None
    path = Path(folder) / name
    return _parse(path) if path.is_file() else None
