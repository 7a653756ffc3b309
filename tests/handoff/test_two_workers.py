"""Two real app worker processes on one Redis and one database: the customer on one, the agent on the other."""

import io
import json
import re
import uuid
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from app import admin, stack
from app.stack import free_port

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


def test_customer_on_one_worker_and_agent_on_the_other_talk_live(workers, stack_of_sockets):
    customer_host, agent_host = workers
    email = f"wanda-{uuid.uuid4().hex[:6]}@lumora.example"
    admin.create_user(email, "Wanda Worker", ["agent"], "worker-password-1")
    desk_http = sign_in(agent_host, email, "worker-password-1")
    agent_api = {"Authorization": f"Bearer {admin.create_token(email, 'tests')}"}
    cookie = f"swarmdesk_session={desk_http.cookies['swarmdesk_session']}"
    desk = connect(
        f"ws://{agent_host}/ws/desk", additional_headers={"Cookie": cookie, "Origin": f"http://{agent_host}"}
    )
    assert next_frame(desk, "ready")  # the desk is connected: the agent is online

    customer_http = httpx.Client(base_url=f"http://{customer_host}", timeout=30)
    opened = customer_http.post("/api/conversations").json()
    conversation, customer = opened["conversation_id"], {"Authorization": f"Bearer {opened['token']}"}
    body = {"conversation_id": conversation, "reason": "customer_request", "packet": {"summary": "wants a person"}}
    assert customer_http.post("/api/bot/handoff", json=body, headers=BOT).json()["status"] == "queued"
    assert next_frame(desk, "offer")["conversation_id"] == conversation  # published by the other worker

    widget_url = f"ws://{customer_host}/ws/conversations/{conversation}?token={opened['token']}"
    widget = stack_of_sockets.enter_context(connect(widget_url))
    agent_http = httpx.Client(base_url=f"http://{agent_host}", timeout=30, headers=agent_api)
    assert agent_http.post(f"/api/desk/conversations/{conversation}/accept").status_code == 200
    desk.send(json.dumps({"type": "watch", "conversation_id": conversation}))
    assert next_frame(desk, "watching")["conversation_id"] == conversation

    agent_http.post(f"/api/desk/conversations/{conversation}/messages", json={"text": "Hello from worker two"})
    frames = [next_frame(widget, "message")["message"] for _ in range(2)]
    assert [f["text"] for f in frames] == ["Wanda Worker joined the chat.", "Hello from worker two"]

    customer_http.post(f"/api/conversations/{conversation}/messages", json={"text": "Hi Wanda"}, headers=customer)
    seen = next_frame(desk, "message", sender="customer")
    assert seen["conversation_id"] == conversation and seen["message"]["text"] == "Hi Wanda"

    widget.send(json.dumps({"type": "typing"}))
    assert next_frame(desk, "typing")["sender"] == "customer"


def test_the_desk_socket_refuses_other_sites_and_non_agents(workers):
    host = workers[0]
    email = f"erin-{uuid.uuid4().hex[:6]}@lumora.example"
    admin.create_user(email, "Erin Expert", ["expert"], "expert-password-1")
    cookie = f"swarmdesk_session={sign_in(host, email, 'expert-password-1').cookies['swarmdesk_session']}"
    for origin in (f"http://{host}", "http://evil.example"):
        with pytest.raises(InvalidStatus, match="403"):
            connect(f"ws://{host}/ws/desk", additional_headers={"Cookie": cookie, "Origin": origin})
