"""How the Rasa bridge reads REST output, protects free text, and fails over between Rasa servers (against real
local HTTP servers that answer like Rasa's REST webhook, or refuse)."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from handoff.rasa_client import BotUnavailable, RasaClient, as_rasa_text, parse_replies


def test_free_text_starting_with_a_slash_cannot_become_an_intent():
    assert as_rasa_text("/restart").strip() != "/restart"
    assert not as_rasa_text("  /greet").strip().startswith("/")
    assert as_rasa_text("hello /greet") == "hello /greet"


def test_links_only_items_attach_to_the_message_before_them():
    replies = parse_replies(
        [
            {"recipient_id": "c", "text": "See this", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
            {"recipient_id": "c", "custom": {"links": [{"title": "Help", "url": "/help"}, {"bad": 1}]}},
            {"recipient_id": "c", "text": "Second"},
        ]
    )
    assert [(r.text, r.buttons, r.links) for r in replies] == [
        ("See this", [{"title": "Yes", "payload": "/affirm"}], [{"title": "Help", "url": "/help"}]),
        ("Second", [], []),
    ]


class Receiver:
    """A throwaway HTTP server on a free port that answers like Rasa's REST webhook (or fails as told)."""

    def __init__(self, name: str, mode: str = "ok") -> None:
        self.name, self.mode, self.hits = name, mode, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.hits.append((self.path, body))
                if receiver.mode == "slow":
                    time.sleep(1.0)
                status, items = {"error": (500, []), "empty": (200, [])}.get(receiver.mode, (200, None))
                if items is None:
                    items = [{"recipient_id": body.get("sender"), "text": f"{receiver.name} says hi"}]
                data = json.dumps(items).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the slow mode)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def turns(self) -> int:
        """How many turns reached this server."""
        return sum(path == "/webhooks/rest/webhook" for path, _ in self.hits)

    def close(self) -> None:
        """Stop listening: from now on connections to it are refused."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def servers():
    """Two receivers, A and B, stopped after the test."""
    pair = Receiver("A"), Receiver("B")
    yield pair
    for receiver in pair:
        receiver.close()


def refused_url() -> str:
    """An address where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def sender_whose_own_server_is(client: RasaClient, url: str) -> str:
    """A conversation id that the client sends to `url` first."""
    return next(s for s in (f"conv-{n}" for n in range(1000)) if client.order(s)[0] == url)


def test_each_conversation_sticks_to_one_server_and_both_servers_get_some(servers):
    a, b = servers
    client = RasaClient(base_urls=[a.url, b.url])
    for number in range(20):
        for _ in range(2):
            client.send(sender=f"c{number}", text="hi")
    by_sender = {}
    for receiver in servers:
        for _, body in receiver.hits:
            by_sender.setdefault(body["sender"], set()).add(receiver.name)
    assert all(len(names) == 1 for names in by_sender.values()) and len(by_sender) == 20
    assert a.turns() and b.turns()
    assert RasaClient(base_urls=[a.url, b.url]).order("c7") == client.order("c7")  # the same in every worker


def test_a_server_that_refuses_connections_is_passed_over(servers):
    a, b = servers
    dead = refused_url()
    client = RasaClient(base_urls=[dead, b.url])
    sender = sender_whose_own_server_is(client, dead)
    assert [r.text for r in client.send(sender=sender, text="hi")] == ["B says hi"]
    client.restart(sender=sender)
    assert [path for path, _ in b.hits] == ["/webhooks/rest/webhook", f"/conversations/{sender}/tracker/events"]


def test_both_servers_down_is_bot_unavailable():
    client = RasaClient(base_urls=[refused_url(), refused_url()])
    with pytest.raises(BotUnavailable):
        client.send(sender="c1", text="hi")
    with pytest.raises(BotUnavailable):
        client.restart(sender="c1")


def test_a_failed_server_is_skipped_for_the_cooldown_then_tried_again(servers):
    a, b = servers
    a.mode = "error"
    client = RasaClient(base_urls=[a.url, b.url], cooldown_seconds=0.5)
    sender = sender_whose_own_server_is(client, a.url)
    for _ in range(3):
        assert [r.text for r in client.send(sender=sender, text="hi")] == ["B says hi"]
    assert (a.turns(), b.turns()) == (1, 3)  # the 5xx once, then skipped
    time.sleep(0.6)
    a.mode = "ok"
    assert [r.text for r in client.send(sender=sender, text="hi")] == ["A says hi"]


def test_an_empty_reply_is_a_failure_tried_on_the_other_server(servers):
    a, b = servers
    a.mode = "empty"
    client = RasaClient(base_urls=[a.url, b.url])
    assert [r.text for r in client.send(sender=sender_whose_own_server_is(client, a.url), text="hi")] == ["B says hi"]
    b.mode = "empty"
    with pytest.raises(BotUnavailable, match="no messages"):
        client.send(sender="c2", text="hi")


def test_a_turn_that_timed_out_after_reaching_a_server_is_not_sent_twice(servers):
    a, b = servers
    a.mode = "slow"
    client = RasaClient(base_urls=[a.url, b.url], timeout=0.3)
    sender = sender_whose_own_server_is(client, a.url)
    with pytest.raises(BotUnavailable):
        client.send(sender=sender, text="hi")
    assert (a.turns(), b.turns()) == (1, 0)
    assert [r.text for r in client.send(sender=sender, text="again")] == ["B says hi"]  # A is cooling down


def test_rasa_url_alone_is_the_one_server(monkeypatch):
    from core.settings import Settings

    monkeypatch.delenv("RASA_URLS", raising=False)
    assert Settings(rasa_url="http://rasa:5005").rasa_servers == ["http://rasa:5005"]
    urls = ["http://r1:5005", "http://r2:5005"]
    assert Settings(rasa_url="http://rasa:5005", rasa_urls=urls).rasa_servers == urls
