"""Logs are JSON lines carrying the conversation's id, never the customer's words or their token."""

import io
import json
import logging

from core import logs
from tests.conftest import app_client


def test_a_log_line_about_a_conversation_names_it_and_not_what_was_said(monkeypatch, own_queue):
    stream = io.StringIO()
    with app_client(monkeypatch, log_format="json") as client:
        handler = logs.configure("json", stream)  # Rasa is unreachable here: the app logs that, for this chat
        try:
            opened = client.post("/api/conversations").json()
            headers = {"Authorization": f"Bearer {opened['token']}"}
            said = {"text": "my secret words about rita@example.com"}
            client.post(f"/api/conversations/{opened['conversation_id']}/messages", json=said, headers=headers)
        finally:
            logging.getLogger().removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    about = [line for line in lines if line.get("conversation_id") == opened["conversation_id"]]
    assert about and {"time", "level", "name", "message"} <= set(about[0])
    assert "secret words" not in stream.getvalue() and opened["token"] not in stream.getvalue()


def test_outside_a_request_the_ids_are_empty():
    stream = io.StringIO()
    handler = logs.configure("json", stream)
    try:
        logging.getLogger("swarmdesk.test").warning("no request here")
    finally:
        logging.getLogger().removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["message"] == "no request here" and line["conversation_id"] is None and line["case_number"] is None


def test_a_token_in_a_logged_socket_url_is_hidden():
    stream = io.StringIO()
    handler = logs.configure("json", stream)
    try:
        url = "/ws/conversations/0f2c/x?token=zu8SOtJGaAEY5Bgy2ibz&after=3"
        logging.getLogger("uvicorn.error").info('%s - "WebSocket %s" [accepted]', "127.0.0.1:5000", url)
    finally:
        logging.getLogger().removeHandler(handler)
    logged = json.loads(stream.getvalue())["message"]
    assert "zu8SOtJGaAEY5Bgy2ibz" not in logged and "?token=[hidden]&after=3" in logged


def test_the_servers_access_log_switched_off_stays_off_and_otherwise_reaches_our_handler(monkeypatch):
    access = logging.getLogger("uvicorn.access")
    monkeypatch.setattr(access, "handlers", [])
    monkeypatch.setattr(access, "propagate", False)  # what uvicorn's --no-access-log leaves
    stream = io.StringIO()
    logs.configure("json", stream)
    try:
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/livez", "1.1", 200)
        assert stream.getvalue() == ""
        monkeypatch.setattr(access, "handlers", [logging.NullHandler()])  # uvicorn's own handler: access log on
        logs.configure("json", stream)
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/livez", "1.1", 200)
    finally:
        logging.getLogger().handlers = [h for h in logging.getLogger().handlers if not getattr(h, "swarmdesk", False)]
    assert json.loads(stream.getvalue())["message"] == '127.0.0.1:5000 - "GET /livez HTTP/1.1" 200'
