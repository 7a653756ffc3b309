"""The load of `ops.bench_mixed`: customers asking the bot the KB's own questions, every tenth conversation handed to
agents who accept and reply through the desk API, and an editor publishing and updating articles, all at once."""

import asyncio
import itertools
import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from core.activity import Activity
from core.db import as_utc, make_engine
from handoff.models import Message
from ops.desk_agent import DeskAgent, Verify, api_client, socket_address, socket_options

TURNS = 3  # KB questions per conversation
HANDOFF_EVERY = 10  # every tenth conversation then asks for a person
ASK_FOR_A_PERSON = "I'd rather talk to a person"
WAIT_SECONDS = 30  # for an offer to be taken, or the other side's message, before it counts as an error
EDITOR_PAUSE = 10  # seconds between the editor's changes
KINDS = ("bot turn", "handoff", "agent relay", "publish", "update")
WITH_A_PERSON = {"queued", "agent"}


@dataclass
class Site:
    """Where the load goes (the app, or nginx in front of the workers) and who works there."""

    url: str
    verify: Verify
    agents: list[tuple[str, str, str]]  # email, password, bearer token
    editor_token: str
    database_url: str  # the stack's database, read for the story of a chat that went wrong


@dataclass
class Tally:
    """What one step measured: durations by kind, errors, and what each conversation should hold."""

    times: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    errors: Counter = field(default_factory=Counter)
    expected: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # conversation → sender → texts
    tokens: dict[str, str] = field(default_factory=dict)
    sent_at: dict[str, float] = field(default_factory=dict)  # a relayed text → when its sender sent it
    turns_in_time: int = 0  # bot turns answered before the step's time was up
    bot_handoffs: int = 0  # conversations the bot handed to a person by itself (no answer it trusted)
    lost: int = 0
    duplicated: int = 0
    seq_broken: int = 0  # conversations whose seq is not 1, 2, 3, …
    stuck: list[str] = field(default_factory=list)  # conversations whose customer waited in vain for a person
    turn_spans: list[tuple[float, float]] = field(default_factory=list)  # each bot turn's start and end
    edit_spans: list[tuple[float, float]] = field(default_factory=list)  # each publish's and update's

    def error(self, what: str) -> None:
        """Count one error by what it was."""
        self.errors[what] += 1

    def relayed(self, text: str) -> None:
        """A relayed message reached the other side: its relay time, once."""
        started = self.sent_at.pop(text, None)
        if started is not None:
            self.times["agent relay"].append(time.perf_counter() - started)


class Desk(DeskAgent):
    """A bench agent: accepts every offer, watches the chat, replies, waits for the customer's answer, replies again
    and closes; it records the relay times and errors in the step's tally."""

    def __init__(self, site: Site, email: str, password: str, token: str) -> None:
        super().__init__(site.url, email, password, token, verify=site.verify)
        self.tally = Tally()
        self.inbox: dict[str, asyncio.Queue] = {}
        self.watching: dict[str, asyncio.Event] = {}

    def on_frame(self, frame: dict) -> None:
        """Note a chat now watched, and pass on the customer's messages."""
        kind, conversation_id = frame.get("type"), frame.get("conversation_id", "")
        if kind == "watching" and conversation_id in self.watching:
            self.watching[conversation_id].set()
        elif kind == "message" and frame["message"]["sender"] == "customer" and conversation_id in self.inbox:
            self.tally.relayed(frame["message"]["text"])
            self.inbox[conversation_id].put_nowait(frame["message"]["text"])

    async def serve(self, conversation_id: str) -> None:
        """Accept, watch, reply; wait for the customer's answer, reply again, close."""
        tally = self.tally
        self.inbox[conversation_id], self.watching[conversation_id] = asyncio.Queue(), asyncio.Event()
        try:
            accepted = await self.accept(conversation_id)
            if accepted.status_code != 200:
                return tally.error(f"accept answered {accepted.status_code}")
            if conversation_id not in tally.expected:  # not a chat of this step (a solo turn the bot handed off)
                await self.close(conversation_id)
                return
            await self.watch(conversation_id)
            await asyncio.wait_for(self.watching[conversation_id].wait(), WAIT_SECONDS)
            await self._numbered_reply(conversation_id, 1)
            await asyncio.wait_for(self.inbox[conversation_id].get(), WAIT_SECONDS)
            await self._numbered_reply(conversation_id, 2)
            closed = await self.close(conversation_id)
            if closed.status_code != 200:
                tally.error(f"close answered {closed.status_code}")
        except TimeoutError:
            tally.error("the agent waited in vain (watch, or the customer's answer)")
        except httpx.HTTPError as error:
            tally.error(f"desk API: {type(error).__name__}")
        finally:
            await self.unwatch(conversation_id)
            self.inbox.pop(conversation_id, None)

    async def _numbered_reply(self, conversation_id: str, number: int) -> None:
        """Send the customer one numbered reply."""
        text = f"Agent here, reply {number} in {conversation_id}"
        self.tally.expected[conversation_id]["agent"].append(text)
        self.tally.sent_at[text] = time.perf_counter()
        answer = await self.reply(conversation_id, text)
        if answer.status_code != 200:
            self.tally.error(f"agent reply answered {answer.status_code}")
            self.tally.expected[conversation_id]["agent"].remove(text)
            self.tally.sent_at.pop(text, None)


async def turn(http: httpx.AsyncClient, tally: Tally, conversation_id: str, text: str, kind: str | None) -> dict | None:
    """One customer message; its answer, or None after counting the error. `kind` names the duration to record."""
    tally.expected[conversation_id]["customer"].append(text)
    auth = {"Authorization": f"Bearer {tally.tokens[conversation_id]}"}
    started = time.perf_counter()
    try:
        answer = await http.post(f"/api/conversations/{conversation_id}/messages", json={"text": text}, headers=auth)
    except httpx.HTTPError as error:
        tally.expected[conversation_id]["customer"].remove(text)  # it may or may not be stored: the customer saw why
        tally.error(f"{kind or 'customer message'}: {type(error).__name__}")
        return None
    if answer.status_code != 200:
        tally.expected[conversation_id]["customer"].remove(text)
        tally.error(f"{kind or 'customer message'} answered {answer.status_code}")
        return None
    if kind:
        tally.times[kind].append(time.perf_counter() - started)
    if kind == "bot turn":
        tally.turn_spans.append((started, time.perf_counter()))
    return answer.json()


async def customer(
    site: Site, http: httpx.AsyncClient, tally: Tally, *, questions: Iterator[str], count, until: float, pause: float
):
    """Chat until `until`: conversations of TURNS KB questions, every HANDOFF_EVERY-th then asking for a person;
    `pause` seconds to type each next message (0: none; the first start is spread over one pause)."""
    await asyncio.sleep(random.uniform(0, pause))
    while time.perf_counter() < until:
        number = next(count)
        try:
            opened = await http.post("/api/conversations")
        except httpx.HTTPError as error:
            tally.error(f"open: {type(error).__name__}")
            await asyncio.sleep(1)
            continue
        if opened.status_code != 201:
            tally.error(f"open answered {opened.status_code}")
            await asyncio.sleep(1)
            continue
        conversation_id = opened.json()["conversation_id"]
        tally.tokens[conversation_id] = opened.json()["token"]
        tally.expected[conversation_id] = {"customer": [], "agent": []}
        answered = True
        for _ in range(TURNS):
            if time.perf_counter() >= until:
                break
            answer = await turn(http, tally, conversation_id, next(questions), "bot turn")
            messages = answer["messages"] if answer else []
            answered = bool(messages) and messages[-1]["sender"] == "bot"
            if answer and answer["state"] in WITH_A_PERSON:  # the bot handed off by itself: the person answers
                tally.bot_handoffs += 1
                await _talk_to_a_person(site, http, tally, conversation_id, caught_up=True)
                break
            if answer and answer["state"] == "closed":  # the bot ended the chat (the customer said goodbye)
                break
            if answer and not answered:
                tally.error(f"a turn ended in {messages[-1]['sender'] if messages else 'nothing'}, not the bot")
            if not answered:
                break
            tally.turns_in_time += time.perf_counter() <= until
            await asyncio.sleep(pause)
        else:
            if number % HANDOFF_EVERY == HANDOFF_EVERY - 1 and time.perf_counter() < until:
                await _talk_to_a_person(site, http, tally, conversation_id)


async def _talk_to_a_person(
    site: Site, http: httpx.AsyncClient, tally: Tally, conversation_id: str, *, caught_up: bool = False
) -> None:
    """With the widget's socket open, ask for a person (or, when the bot has handed off, fetch what the socket missed:
    the agent may have replied while the turn was still running); answer the agent's first reply, wait for the
    second."""
    url = socket_address(site.url, f"/ws/conversations/{conversation_id}")
    auth = {"Authorization": f"Bearer {tally.tokens[conversation_id]}"}
    try:
        async with connect(url, **socket_options(site.url, site.verify)) as socket:
            await socket.send(json.dumps({"type": "hello", "token": tally.tokens[conversation_id]}))
            await asyncio.wait_for(socket.recv(), WAIT_SECONDS)  # the state frame: subscribed from here on
            missed: list[dict] = []
            if not caught_up:
                answer = await turn(http, tally, conversation_id, ASK_FOR_A_PERSON, "handoff")
                if answer is None:
                    return
                if answer["state"] not in WITH_A_PERSON:
                    return tally.error(f"asking for a person left the chat {answer['state']}")
            else:
                fetched = await http.get(f"/api/conversations/{conversation_id}/messages?after=0", headers=auth)
                missed = fetched.json()["messages"]
            seen, replies, deadline = set(), 0, time.perf_counter() + 3 * WAIT_SECONDS
            while replies < 2:
                if missed:
                    message = missed.pop(0)
                else:
                    frame = json.loads(await asyncio.wait_for(socket.recv(), deadline - time.perf_counter()))
                    message = frame["message"] if frame.get("type") == "message" else {"sender": "", "seq": 0}
                if message["sender"] != "agent" or message["seq"] in seen:
                    continue
                seen.add(message["seq"])
                tally.relayed(message["text"])
                replies += 1
                if replies == 1:
                    thanks = f"Thanks, that helps ({uuid.uuid4().hex[:6]})"
                    tally.sent_at[thanks] = time.perf_counter()
                    await turn(http, tally, conversation_id, thanks, None)
    except TimeoutError:
        tally.error("the customer waited in vain for an agent's reply")
        tally.stuck.append(conversation_id)
    except (WebSocketException, OSError) as error:
        tally.error(f"widget socket: {type(error).__name__}")


async def editor(site: Site, tally: Tally, *, until: float) -> None:
    """Publish a new article, then update it, every EDITOR_PAUSE seconds until `until` (confirming the impact: its
    question is close to the earlier bench articles')."""
    async with api_client(site.url, site.editor_token, site.verify) as http:
        while time.perf_counter() < until:
            code = uuid.uuid4().hex[:6].upper()
            article = {
                "title": f"Pair the Lumora Relay {code}",
                "body": f"Hold the Relay {code} button for 5 seconds until the light blinks blue, then tap Add device.",
                "questions": [f"how do I pair the Lumora Relay {code}"],
            }
            try:
                draft = (await http.post("/api/kb/articles", json=article)).raise_for_status().json()
                publish = {"status": "published", "version": draft["version"], "take_over": True}
                moved = await _timed(tally, "publish", http.post, f"/api/kb/articles/{draft['id']}/status", publish)
                await asyncio.sleep(EDITOR_PAUSE)
                edit = article | {
                    "version": moved["version"],
                    "body": article["body"] + " It keeps its routines.",
                    "take_over": True,
                }
                await _timed(tally, "update", http.put, f"/api/kb/articles/{draft['id']}", edit)
            except httpx.HTTPError as error:
                tally.error(f"editor: {error}"[:120])
            await asyncio.sleep(EDITOR_PAUSE)


async def _timed(tally: Tally, kind: str, call, path: str, body: dict) -> dict:
    """One editor call, timed under `kind`; its JSON answer (raises on a refusal)."""
    started = time.perf_counter()
    answer = (await call(path, json=body)).raise_for_status()
    tally.times[kind].append(time.perf_counter() - started)
    tally.edit_spans.append((started, time.perf_counter()))
    return answer.json()


async def check(site: Site, tally: Tally) -> None:
    """Fetch every conversation of the step and count, by `seq` and text, what was lost or stored twice."""
    async with httpx.AsyncClient(base_url=site.url, verify=site.verify, timeout=60) as http:
        for conversation_id, expected in tally.expected.items():
            auth = {"Authorization": f"Bearer {tally.tokens[conversation_id]}"}
            answer = await http.get(f"/api/conversations/{conversation_id}/messages?after=0", headers=auth)
            stored = answer.json()["messages"]
            if [m["seq"] for m in stored] != list(range(1, len(stored) + 1)):
                tally.seq_broken += 1
            for sender in ("customer", "agent"):
                want = Counter(expected[sender])
                have = Counter(m["text"] for m in stored if m["sender"] == sender)
                tally.lost += sum((want - have).values())
                tally.duplicated += sum((have - want).values())


def turns_beside_edits(tally: Tally) -> tuple[list[float], list[float]]:
    """The bot turns' durations: those that overlapped an editor's publish or update, and the others."""
    during, apart = [], []
    for start, end in tally.turn_spans:
        overlaps = any(start < edit_end and edit_start < end for edit_start, edit_end in tally.edit_spans)
        (during if overlaps else apart).append(end - start)
    return during, apart


def story(database_url: str, conversation_id: str) -> list[str]:
    """What the database holds of a chat, in time order: its activity rows and messages, seconds from the first."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        rows = session.scalars(select(Activity).where(Activity.conversation_id == conversation_id)).all()
        messages = session.scalars(select(Message).where(Message.conversation_id == conversation_id)).all()
        events = [(as_utc(row.at), f"{row.kind} (agent {row.actor_id})" if row.actor_id else row.kind) for row in rows]
        events += [(as_utc(m.created_at), f"message {m.seq} from {m.sender}: {m.text[:40]!r}") for m in messages]
    engine.dispose()
    events.sort(key=lambda event: event[0])
    return [f"{(at - events[0][0]).total_seconds():7.2f} s  {what}" for at, what in events]


def counter() -> Iterator[int]:
    """Conversation numbers shared by a step's customers (every HANDOFF_EVERY-th hands off)."""
    return itertools.count()
