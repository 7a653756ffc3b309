"""Mail over SMTP with the standard library (callers run in worker threads and retry on MailError)."""

import smtplib

from mail.message import MailError, build_message


class SmtpMailer:
    """Sends through one SMTP server; STARTTLS and login when configured."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        username: str = "",
        password: str = "",
        starttls: bool = False,
        sender: str,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.username, self.password = host, port, username, password
        self.starttls, self.sender, self.timeout = starttls, sender, timeout

    def send(self, *, to: str, subject: str, body: str) -> str:
        """Send one message; returns its Message-ID or raises MailError naming the server."""
        message = build_message(sender=self.sender, to=to, subject=subject, body=body)
        where = f"SMTP {self.host}:{self.port}"
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as server:
                if self.starttls:
                    server.starttls()
                if self.username:
                    server.login(self.username, self.password)
                server.send_message(message)
        except ConnectionRefusedError as error:
            raise MailError(f"{where} refused the connection") from error
        except (smtplib.SMTPException, OSError) as error:  # OSError covers timeouts
            raise MailError(f"{where} failed: {error}") from error
        return message["Message-ID"]
