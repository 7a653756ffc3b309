"""Mail over SMTP with the standard library (callers run in worker threads and retry on MailError)."""

import smtplib
import ssl

from mail.message import MailError, build_message


class SmtpMailer:
    """Sends through one SMTP server; STARTTLS (certificate verified) and login when configured."""

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
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as server:
                if self.starttls:
                    server.starttls(context=ssl.create_default_context())
                if self.username:
                    server.login(self.username, self.password)
                server.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            raise MailError(f"SMTP {self.host}:{self.port} {self._reason(error)}") from error
        return message["Message-ID"]

    def _reason(self, error: OSError) -> str:
        """Why a send failed, in words (smtplib reports a read timeout as a disconnect caused by one)."""
        if isinstance(error, ConnectionRefusedError):
            return "refused the connection"
        if isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError):
            return f"did not answer within {self.timeout:g} s"
        if isinstance(error, smtplib.SMTPResponseException):  # the server's reply is kept as bytes
            return f"answered {error.smtp_code} {error.smtp_error.decode(errors='replace')}"
        return f"failed: {error}"
