"""Two real app worker processes on one Redis and one database: the customer on one, the agent on the other."""

import io
import json
import re
import uuid
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from ops import admin, stack
from ops.stack import free_port

BOT = {"Authorization": "Bearer test-bot-token"}


@pytest.fixture
def workers(app_env, redis_prefix) -> Iterator[list[str]]:
    """Two uvicorn processes of the app sharing this run's database and a queue of their own."""
    env = app_env | {"REDIS_PREFIX": f"{redis_prefix}w{uuid.uuid4().hex[:6]}", "COOKIE_SECURE": "false"}
    log = io.StringIO()
    supervisor = stack.Stack(log=log)
    ports = [free_port(), free_port()]
    processes = [stack.app_process(host="127.0.0.1", port=port, env=env) for port in ports]
    try:
        for process in processes:
            supervisor.start(process)
        for process in processes:
            supervisor.wait_ready(process, timeout=120)
        yield [f"127.0.0.1:{port}" for port in ports]
    except RuntimeError:
        raise RuntimeError(f"the app workers did not start:\n{log.getvalue()[-3000:]}") from None
    finally:
        supervisor.stop()


@pytest.fixture
def stack_of_sockets() -> Iterator[ExitStack]:
    """Closes the sockets a test opens."""
    with ExitStack() as sockets:
        yield sockets


def sign_in(host: str, email: str, password: str) -> httpx.Client:
    """A browser-like session on one worker: the sign-in form, then its session cookie."""
    http = httpx.Client(base_url=f"http://{host}", timeout=30)
    form = http.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)[1]
    answer = http.post("/login", data={"email": email, "password": password, "csrf_token": csrf, "next": "/desk"})
    assert answer.status_code == 303, answer.text
    return http


def next_frame(socket, kind: str, sender: str | None = None) -> dict:
    """The next frame of `kind` (from `sender`, for messages); others are skipped; fails after 10 s of silence."""
    while True:
        frame = json.loads(socket.recv(timeout=10))
        if frame.get("type") == kind and (sender is None or frame["message"]["sender"] == sender):
            return frame


@pytest.fixture
def live_chat(workers, stack_of_sockets) -> dict:
    """A handed-off chat accepted by an agent: the desk socket on one worker, the widget socket on the other."""
    customer_host, agent_host = workers
    email = f"wanda-{uuid.uuid4().hex[:6]}@lumora.example"
    admin.create_user(email, "Wanda Worker", ["agent"], "worker-password-1")
    desk_http = sign_in(agent_host, email, "worker-password-1")
    agent_api = {"Authorization": f"Bearer {admin.create_token(email, 'tests')}"}
    cookie = f"swarmdesk_session={desk_http.cookies['swarmdesk_session']}"
    desk = stack_of_sockets.enter_context(
        connect(f"ws://{agent_host}/ws/desk", additional_headers={"Cookie": cookie, "Origin": f"http://{agent_host}"})
    )
    assert next_frame(desk, "ready")  # the desk is connected: the agent is online

    customer_http = httpx.Client(base_url=f"http://{customer_host}", timeout=30)
    opened = customer_http.post("/api/conversations").json()
    conversation, customer = opened["conversation_id"], {"Authorization": f"Bearer {opened['token']}"}
    body = {"conversation_id": conversation, "reason": "customer_request", "packet": {"summary": "wants a person"}}
    assert customer_http.post("/api/bot/handoff", json=body, headers=BOT).json()["status"] == "queued"
    assert next_frame(desk, "offer")["conversation_id"] == conversation  # published by the other worker

    widget = stack_of_sockets.enter_context(connect(f"ws://{customer_host}/ws/conversations/{conversation}"))
    widget.send(json.dumps({"type": "hello", "token": opened["token"]}))
    agent_http = httpx.Client(base_url=f"http://{agent_host}", timeout=30, headers=agent_api)
    assert agent_http.post(f"/api/desk/conversations/{conversation}/accept").status_code == 200
    desk.send(json.dumps({"type": "watch", "conversation_id": conversation}))
    assert next_frame(desk, "watching")["conversation_id"] == conversation
    assert next_frame(widget, "message")["message"]["text"] == "Wanda Worker joined the chat."
    return {
        "conversation": conversation, "desk": desk, "widget": widget, "agent_http": agent_http,
        "customer_http": customer_http, "customer": customer, "email": email,
    }  # fmt: skip


def test_customer_on_one_worker_and_agent_on_the_other_talk_live(live_chat):
    conversation, desk, widget = live_chat["conversation"], live_chat["desk"], live_chat["widget"]
    live_chat["agent_http"].post(f"/api/desk/conversations/{conversation}/messages", json={"text": "Hello from two"})
    assert next_frame(widget, "message")["message"]["text"] == "Hello from two"

    url = f"/api/conversations/{conversation}/messages"
    live_chat["customer_http"].post(url, json={"text": "Hi Wanda"}, headers=live_chat["customer"])
    seen = next_frame(desk, "message", sender="customer")
    assert seen["conversation_id"] == conversation and seen["message"]["text"] == "Hi Wanda"

    widget.send(json.dumps({"type": "typing"}))
    assert next_frame(desk, "typing")["sender"] == "customer"


def test_messages_sent_over_the_sockets_cross_both_ways_and_a_resent_one_is_stored_once(live_chat):
    conversation, desk, widget = live_chat["conversation"], live_chat["desk"], live_chat["widget"]
    widget.send(json.dumps({"type": "say", "text": "My plug is dead", "ref": "w1"}))
    said = next_frame(widget, "said")
    assert said["ref"] == "w1" and said["message"]["sender"] == "customer"
    assert next_frame(desk, "message", sender="customer")["message"]["text"] == "My plug is dead"

    say = {"type": "say", "conversation_id": conversation, "text": "Let me check", "ref": "d1"}
    desk.send(json.dumps(say))
    assert next_frame(desk, "said")["message"]["sender_name"] == "Wanda Worker"
    assert next_frame(widget, "message", sender="agent")["message"]["text"] == "Let me check"

    # The widget lost the answer and posts the message again under its ref: it is stored once.
    url = f"/api/conversations/{conversation}/messages"
    again = live_chat["customer_http"].post(
        url, json={"text": "My plug is dead", "ref": "w1"}, headers=live_chat["customer"]
    )
    assert again.json()["messages"][0]["id"] == said["message"]["id"]
    widget.send(json.dumps({"type": "say", "text": "My plug is dead", "ref": "w1"}))
    assert next_frame(widget, "said")["message"]["seq"] == said["message"]["seq"]
    transcript = live_chat["agent_http"].get(f"/api/desk/conversations/{conversation}/messages").json()["messages"]
    assert [m["text"] for m in transcript].count("My plug is dead") == 1


def test_a_message_over_a_socket_is_refused_with_the_reason(live_chat):
    conversation, desk, widget = live_chat["conversation"], live_chat["desk"], live_chat["widget"]
    widget.send(json.dumps({"type": "say", "text": "   ", "ref": "w2"}))
    assert next_frame(widget, "refused") | {"detail": ""} == {
        "type": "refused",
        "ref": "w2",
        "status": 422,
        "detail": "",
    }
    widget.send(json.dumps({"type": "say", "text": "x" * 5000, "ref": "w3"}))
    assert next_frame(widget, "refused")["status"] == 413
    widget.send(json.dumps({"type": "say", "text": "hi", "ref": "not a ref!"}))
    assert "ref" in next_frame(widget, "refused")["detail"]
    desk.send(json.dumps({"type": "say", "conversation_id": str(uuid.uuid4()), "text": "hello", "ref": "d2"}))
    assert next_frame(desk, "refused")["status"] == 404

    live_chat["agent_http"].post(f"/api/desk/conversations/{conversation}/close")
    desk.send(json.dumps({"type": "say", "conversation_id": conversation, "text": "still there?", "ref": "d3"}))
    assert next_frame(desk, "refused")["status"] == 403
    widget.send(json.dumps({"type": "say", "text": "hello?", "ref": "w4"}))
    assert next_frame(widget, "refused")["status"] == 409  # not with a person: the widget posts it instead


def test_the_desk_socket_refuses_other_sites_and_non_agents(workers):
    host = workers[0]
    email = f"erin-{uuid.uuid4().hex[:6]}@lumora.example"
    admin.create_user(email, "Erin Expert", ["expert"], "expert-password-1")
    cookie = f"swarmdesk_session={sign_in(host, email, 'expert-password-1').cookies['swarmdesk_session']}"
    for origin in (f"http://{host}", "http://evil.example"):
        with pytest.raises(InvalidStatus, match="403"):
            connect(f"ws://{host}/ws/desk", additional_headers={"Cookie": cookie, "Origin": origin})


def test_a_deactivated_agent_loses_the_desk_socket_at_the_next_heartbeat(live_chat):
    from sqlalchemy import update

    from core.db import get_session_factory
    from people.models import User

    with get_session_factory()() as session:
        session.execute(update(User).where(User.email == live_chat["email"]).values(active=False))
        session.commit()
    live_chat["desk"].send(json.dumps({"type": "heartbeat"}))
    with pytest.raises(ConnectionClosed) as closed:
        next_frame(live_chat["desk"], "never")
    assert closed.value.rcvd.code == 4403
