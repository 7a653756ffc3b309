"""Helpers for the notification tests: a typical notice, and a real local HTTP receiver that checks signatures."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from notify import SwarmNotice, verify_signature
from ops.stack import free_port

SECRET = "s3cret-shared-with-the-receiver"


def notice(**changes) -> SwarmNotice:
    """A typical invitation, with `changes`."""
    fields = {
        "kind": "invited",
        "swarm_id": 7,
        "case_number": "CS-10428",
        "case_subject": "Cam offline",
        "actor": "Ana Agent",
        "recipients": ["Eli Expert", "eli@lumora.example"],
        "text": "Ana Agent invited Eli Expert to the swarm on CS-10428.",
        "url": "https://desk.lumora.example/desk/swarms/7",
        "at": "2025-03-04T10:15:00Z",
    }
    return SwarmNotice(**{**fields, **changes})


class Receiver:
    """A ThreadingHTTPServer on 127.0.0.1 while the `with` block runs; answers `statuses` in turn, then 200."""

    def __init__(self, *, secret: str = "", statuses: tuple[int, ...] = (), delay: float = 0.0) -> None:
        self.secret, self.statuses, self.delay = secret, list(statuses), delay
        self.requests: list[dict] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hooks/swarm"
        self._stop, self._lock = threading.Event(), threading.Lock()

    def __enter__(self) -> "Receiver":
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()

    def _answer(self, headers, body: bytes, path: str) -> int:
        """Record one request and pick its status."""
        verified = verify_signature(
            self.secret,
            headers.get("X-Swarmdesk-Timestamp", ""),
            body,
            headers.get("X-Swarmdesk-Signature", ""),
        )
        with self._lock:
            self.requests.append({"path": path, "headers": dict(headers), "body": body, "verified": verified})
            return self.statuses.pop(0) if self.statuses else 200

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's hook name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver._answer(self.headers, body, self.path)
                if receiver._stop.wait(receiver.delay):
                    return
                reply = b"ok" if status < 300 else b"<html>  Internal\n  trouble: the database is down </html>"
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except OSError:  # the client gave up (the timeout test)
                    pass

            def log_message(self, *args) -> None:
                pass

        return Handler
