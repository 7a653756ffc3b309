"""What the activity-record tests share: the app over a small KB with a stand-in for Rasa whose every turn searches
the KB as the bot's action does, staff who are online, and the rows written about a chat or a case."""

import json
import shutil
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from core.activity import Activity
from core.db import get_session_factory
from handoff.desk.presence import mark_offline, mark_online
from ops.stack import free_port
from tests.conftest import app_client
from tests.handoff.test_swarms_api import person
from tests.retrieval.sample_kb import ARTICLES, CLOSE_PAIR, write_article

BOT = {"Authorization": "Bearer test-bot-token"}


@dataclass
class Staff:
    """A staff account: its id and bearer header."""

    id: int
    auth: dict


def staff(name: str, roles: list[str]) -> Staff:
    """A new staff account."""
    return Staff(*person(name, roles))


@pytest.fixture
def agents_online(own_queue):
    """Makes agents whose desk is connected (billing skill); they go offline after the test."""
    made: list[int] = []

    def make(name: str) -> Staff:
        agent = staff(name, ["agent"])
        mark_online(agent.id, name=name, skills=["billing"])
        made.append(agent.id)
        return agent

    yield make
    for user_id in made:
        mark_offline(user_id)


def rows(**where) -> list[Activity]:
    """The activity rows matching `where` (column=value), in the order they were written."""
    with get_session_factory()() as session:
        query = select(Activity).filter_by(**where).order_by(Activity.id)
        return list(session.scalars(query))


@pytest.fixture(scope="module")
def kb_source(tmp_path_factory):
    """The small Lumora KB of the retrieval tests, with its two close articles (a "Did you mean" between them)."""
    folder = tmp_path_factory.mktemp("kb")
    for article_id, (title, tags, questions, body) in (ARTICLES | CLOSE_PAIR).items():
        write_article(folder, article_id, title, tags, questions, body)
    return folder


@pytest.fixture
def chat_app(own_queue, own_database, kb_source, monkeypatch):
    """The app over its own database and KB copy, with a stand-in Rasa: each turn is a KB search for the customer's
    words through the app's API with the bot's token (as `action_answer_from_kb` does), answered with the snippet."""
    holder: dict = {}

    class Rasa(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            """A turn (search, then answer) or a tracker restart (hand-back)."""
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            reply: list | dict = {}
            if self.path == "/webhooks/rest/webhook":
                search = {"query": body["message"], "top_k": 3, "conversation_id": body["sender"]}
                found = holder["client"].post("/api/kb/search", json=search, headers=BOT).json()
                reply = [{"text": found["offered"][0]["snippet"] if found["offered"] else "I couldn't find that."}]
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Rasa)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    shutil.copytree(kb_source, own_database["kb_dir"], dirs_exist_ok=True)
    env = {"rasa_url": f"http://127.0.0.1:{server.server_port}", **own_database}
    quiet = {"router_interval_seconds": 3600, "scheduler_interval_seconds": 3600}  # no routing round meddles
    try:
        with app_client(monkeypatch, **env, **quiet) as client:
            holder["client"] = client
            yield client
    finally:
        server.shutdown()
        server.server_close()


def open_chat(client) -> tuple[str, dict, str]:
    """A new chat from a browser with a visitor id: its id, the customer's header and the visitor id."""
    visitor = uuid.uuid4().hex
    opened = client.post("/api/conversations", json={"visitor_id": visitor}).json()
    return opened["conversation_id"], {"Authorization": f"Bearer {opened['token']}"}, visitor


def say(client, conversation_id: str, auth: dict, text: str) -> dict:
    """The customer's message; the turn's answer."""
    answer = client.post(f"/api/conversations/{conversation_id}/messages", json={"text": text}, headers=auth)
    assert answer.status_code == 200, answer.text
    return answer.json()


def hand_off(client, conversation_id: str, question: str) -> dict:
    """The bot asks for a person, with the customer's open question in the packet."""
    packet = {"problem": [question], "kb_articles_tried": []}
    body = {"conversation_id": conversation_id, "reason": "kb_unanswerable", "packet": packet}
    return client.post("/api/bot/handoff", json=body, headers=BOT).json()
