"""More customers than request threads: every bot turn is answered. A turn waits on Rasa, whose action calls back
into the app; if turns held every request thread, that call would find none and the bot would time out."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ops.stack import free_port
from tests.conftest import app_client

CUSTOMERS = 6


@pytest.fixture
def rasa_calling_back(own_queue, monkeypatch):
    """The app with 2 request threads, and a stand-in for Rasa whose every turn first calls the app back (as an
    action's KB search does) and answers only once that call did."""
    port, calls = free_port(), []
    holder = {}

    class Rasa(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            """A turn: call the app back (a sync route, which needs a request thread), then answer."""
            self.rfile.read(int(self.headers["Content-Length"]))
            try:
                calls.append(holder["client"].get("/livez").status_code)
                reply = [{"text": "Here is what I found."}]
            except Exception as error:  # reported to the test as what the action got
                calls.append(type(error).__name__)
                reply = []  # as Rasa answers when its action failed
            body = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", port), Rasa)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {"rasa_url": f"http://127.0.0.1:{port}", "request_threads": "2", "bot_turn_threads": str(CUSTOMERS)}
    env["rasa_timeout_seconds"] = "10"  # without threads of their own, turns would wait this long, then fail
    try:
        with app_client(monkeypatch, **env) as client:
            holder["client"] = client
            yield client, calls
    finally:
        server.shutdown()
        server.server_close()


def test_more_customers_than_request_threads_all_get_the_bots_answer(rasa_calling_back):
    client, calls = rasa_calling_back
    chats = [client.post("/api/conversations").json() for _ in range(CUSTOMERS)]

    def say(chat: dict) -> list[str]:
        """One customer's message; the senders of what came back."""
        auth = {"Authorization": f"Bearer {chat['token']}"}
        url = f"/api/conversations/{chat['conversation_id']}/messages"
        return [
            m["sender"] for m in client.post(url, json={"text": "my hub is offline"}, headers=auth).json()["messages"]
        ]

    with ThreadPoolExecutor(CUSTOMERS) as pool:
        answers = list(pool.map(say, chats))
    assert calls == [200] * CUSTOMERS
    assert answers == [["customer", "bot"]] * CUSTOMERS
