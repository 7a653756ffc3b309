"""`python -m ops.bench_relay`: live chat relay between customers and agents, and handoff-to-offer time.

Starts two app workers (customers on one, agents on the other, so every message crosses Redis pub/sub;
metrics on, in multi-process mode as under `make run`) on PostgreSQL (BENCH_DATABASE_URL, default the local
`test` database, in a schema of its own that is dropped afterwards) and Redis database 14 under a bench prefix. Then:
1. AGENTS agents connect their desks; CONVERSATIONS customers are handed off one after another, and the
   time from the handoff request to the offer frame on an agent's desk is measured; the agent accepts.
2. For SECONDS seconds, in every conversation the customer and the agent each send a message a second
   over their live sockets, as the widget and the desk do (a `say` frame, answered `said`); the other side's
   socket must receive each exactly once. Relay time is from just before the send to the frame arriving;
   lost and duplicated messages are counted.
"""

import asyncio
import gc
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from websockets.asyncio.client import connect

from ops import migrate, stack
from ops.bench_support import drop_schema, forget_prefix, machine_speed, percentiles, postgres_schema
from ops.desk_agent import DeskAgent, go_online
from ops.stack import free_port

CONVERSATIONS = int(os.environ.get("BENCH_CONVERSATIONS", "200"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "60"))
AGENTS = 5
GRACE_SECONDS = 5  # after the last send, how long a frame may still arrive before it counts as lost
PASSWORD = "bench-password-1"


class Tally:
    """Send times by message text, and what arrived (once, or more)."""

    def __init__(self) -> None:
        self.sent: dict[str, float] = {}
        self.arrived: dict[str, int] = {}
        self.relay: list[float] = []
        self.failed_sends = 0
        self.text_of_ref: dict[str, str] = {}

    def refused(self, ref: str) -> None:
        """A send was refused: it does not count as sent."""
        self.failed_sends += 1
        self.sent.pop(self.text_of_ref.get(ref, ""), None)

    def receive(self, message_text: str) -> None:
        """A frame with this text reached the other side."""
        self.arrived[message_text] = self.arrived.get(message_text, 0) + 1
        if self.arrived[message_text] == 1 and message_text in self.sent:
            self.relay.append(time.perf_counter() - self.sent[message_text])


class Desk(DeskAgent):
    """A bench agent: accepts every offer (the offer's arrival timed), watches its chats, relays frames to the tally."""

    def __init__(self, host: str, email: str, token: str, tally: Tally, offers: dict) -> None:
        super().__init__(f"http://{host}", email, PASSWORD, token)
        self.tally, self.offers = tally, offers
        self.chats: list[str] = []

    def on_frame(self, frame: dict) -> None:
        """Record the customers' messages, and sends refused."""
        if frame["type"] == "message" and frame["message"]["sender"] == "customer":
            self.tally.receive(frame["message"]["text"])
        elif frame["type"] == "refused":
            self.tally.refused(frame["ref"])

    async def serve(self, conversation_id: str) -> None:
        """Record when the offer arrived, accept it and watch the chat."""
        self.offers[conversation_id].set_result(time.perf_counter())
        (await self.accept(conversation_id)).raise_for_status()
        await self.watch(conversation_id)
        self.chats.append(conversation_id)


async def _customer(host: str, tally: Tally, opened: dict, stop: asyncio.Event) -> None:
    """A customer's widget socket: records the agent's messages (and refused sends) until told to stop."""
    url = f"ws://{host}/ws/conversations/{opened['conversation_id']}"
    async with connect(url, max_queue=None) as socket:
        await socket.send(json.dumps({"type": "hello", "token": opened["token"]}))
        opened["socket"] = socket
        opened["connected"].set()
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(socket.recv(), timeout=0.5)
            except TimeoutError:
                continue
            frame = json.loads(raw)
            if frame.get("type") == "message" and frame["message"]["sender"] == "agent":
                tally.receive(frame["message"]["text"])
            elif frame.get("type") == "refused":
                tally.refused(frame["ref"])


async def _send_every_second(socket, conversation_id: str | None, label: str, tally: Tally) -> None:
    """Send one uniquely numbered message a second over `socket` for SECONDS seconds (from a random offset)."""
    await asyncio.sleep(uuid.uuid4().int % 1000 / 1000)
    for n in range(SECONDS):
        started = time.perf_counter()
        message, ref = f"{label}:{n}", f"{label}-{n}"
        tally.sent[message], tally.text_of_ref[ref] = started, message
        frame = {"type": "say", "text": message, "ref": ref}
        await socket.send(json.dumps(frame | ({"conversation_id": conversation_id} if conversation_id else {})))
        await asyncio.sleep(max(0.0, 1 - (time.perf_counter() - started)))


async def _run(hosts: list[str], agents: list[tuple[str, str]]) -> None:
    """Set up the desks and handoffs, relay for SECONDS, print the figures."""
    customer_host, agent_host = hosts
    tally, offers = Tally(), {}
    desks = [Desk(agent_host, email, token, tally, offers) for email, token in agents]
    tasks = await go_online(desks)
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
    customer_http = httpx.AsyncClient(base_url=f"http://{customer_host}", timeout=30, limits=limits)
    bot = {"Authorization": "Bearer bench-token"}
    stop, chats, offer_times = asyncio.Event(), [], []
    for _ in range(CONVERSATIONS):
        opened = (await customer_http.post("/api/conversations")).json() | {"connected": asyncio.Event()}
        tasks.append(asyncio.create_task(_customer(customer_host, tally, opened, stop)))
        await opened["connected"].wait()
        offers[opened["conversation_id"]] = asyncio.get_running_loop().create_future()
        body = {"conversation_id": opened["conversation_id"], "reason": "customer_request", "packet": {}}
        started = time.perf_counter()
        answer = (await customer_http.post("/api/bot/handoff", json=body, headers=bot)).json()
        if answer.get("status") != "queued":
            raise RuntimeError(f"handoff not queued: {answer}")
        offer_times.append(await asyncio.wait_for(offers[opened["conversation_id"]], timeout=30) - started)
        chats.append(opened)
    while sum(len(d.chats) for d in desks) < CONVERSATIONS:
        await asyncio.sleep(0.1)
    gc.collect()
    gc.freeze()  # the generator's own full GC passes over the setup's objects would show up as relay time
    print(machine_speed())
    print(f"{CONVERSATIONS} conversations with {AGENTS} agents; relaying for {SECONDS} s…", flush=True)
    started = time.perf_counter()
    senders = [_send_every_second(opened["socket"], None, f"c{n}", tally) for n, opened in enumerate(chats)]
    for d, desk in enumerate(desks):
        senders += [_send_every_second(desk.socket, chat, f"a{d}x{n}", tally) for n, chat in enumerate(desk.chats)]
    await asyncio.gather(*senders)
    elapsed = time.perf_counter() - started
    await asyncio.sleep(GRACE_SECONDS)
    stop.set()
    for task in tasks:
        task.cancel()
    lost = sum(1 for message in tally.sent if message not in tally.arrived)
    duplicated = sum(count - 1 for count in tally.arrived.values() if count > 1)
    print(f"\n{'agent mode, 2 workers on PostgreSQL + Redis':<46} latency")
    print(f"{'handoff request → offer on an agent desk':<46} {percentiles(offer_times)}   (target p99 ≤ 100 ms)")
    print(f"{'relay, send → other side socket':<46} {percentiles(tally.relay)}   (target p99 ≤ 50 ms)")
    print(f"messages relayed: {len(tally.relay)} in {elapsed:.1f} s = {len(tally.relay) / elapsed:.0f} per second")
    print(machine_speed())
    print(f"lost: {lost}   duplicated: {duplicated}   sends refused: {tally.failed_sends}")


def main() -> int:
    """Start two workers on PostgreSQL, run the relay, stop everything and clean up."""
    base = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    try:
        database, schema = postgres_schema(base)
    except Exception as error:
        print(f"the relay bench needs PostgreSQL at {base} (set BENCH_DATABASE_URL): {error}", file=sys.stderr)
        return 1
    folder = Path(tempfile.mkdtemp(prefix="swarmdesk-relay-"))
    redis_url, prefix = "redis://127.0.0.1:6379/14", f"swarmdeskrelay{os.getpid()}"
    env = {
        "DATABASE_URL": database, "REDIS_URL": redis_url, "REDIS_PREFIX": prefix, "SECRET_KEY": "bench",
        "BOT_SERVICE_TOKEN": "bench-token", "KB_PRELOAD": "false", "COOKIE_SECURE": "false",
        "RASA_URL": f"http://127.0.0.1:{free_port()}", "MAIL_OUTBOX_DIR": str(folder / "outbox"),
        "MESSAGES_PER_MINUTE": "100000", "CONVERSATIONS_PER_HOUR_PER_IP": "100000",
        "PROMETHEUS_MULTIPROC_DIR": str(folder / "metrics"),  # metrics on, as under `make run`
    }  # fmt: skip
    (folder / "metrics").mkdir()
    os.environ.update(env)
    from ops import admin  # after the environment: its settings are the bench's

    supervisor = stack.Stack(log=open(folder / "stack.log", "w"))  # noqa: SIM115 (closed with the process)
    ports = [free_port(), free_port()]
    try:
        migrate.upgrade(database)
        agents = []
        for n in range(AGENTS):
            email = f"agent{n}@bench.example"
            admin.create_user(email, f"Agent {n}", ["agent"], PASSWORD)
            agents.append((email, admin.create_token(email, "bench")))
        _set_capacity(database, CONVERSATIONS // AGENTS + 1)
        # No access log: 800 lines a second through the supervisor's pipe would load this, the generator's, process.
        workers = [stack.app_process(host="127.0.0.1", port=port, env=env, access_log=False) for port in ports]
        for worker in workers:
            supervisor.start(worker)
        for worker in workers:
            supervisor.wait_ready(worker, timeout=120)
        asyncio.run(_run([f"127.0.0.1:{port}" for port in ports], agents))
        return 0
    except RuntimeError as error:
        print(f"relay bench failed: {error} (log: {folder / 'stack.log'})", file=sys.stderr)
        return 1
    finally:
        supervisor.stop()
        forget_prefix(redis_url, prefix)
        drop_schema(base, schema)


def _set_capacity(database: str, capacity: int) -> None:
    """Give every bench agent room for their share of the conversations."""
    engine = create_engine(database.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text("UPDATE users SET capacity = :capacity"), {"capacity": capacity})
    engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
