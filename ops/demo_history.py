"""`python -m ops.demo_history [--url URL] [--conversations 240] [--days 21] [--seed 7]`: weeks of support
traffic through the real API of a running stack (`make run`), so /analytics has a living history.

Customers ask the demo KB in their own words (the development paraphrases, never the yardstick), press Yes or No
under an answer, ask for a person; two agents online at the desk accept, reply, open cases, start swarms with an
expert, resolve and close; customers answer the survey; some visitors come back with the same question. It all runs
at machine speed, so afterwards each conversation is moved to its simulated day and stretched to a human pace —
its activity rows, messages, conversation, handoffs and cases — the one step done in the database (`timeline`);
then the analytics roll-ups read the moved rows again (under the scheduler's lock), so /analytics shows them at once.
"""

import argparse
import asyncio
import json
import random
import secrets
import sys
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from analytics.refresh import refresh, reread
from cases.models import case_id
from core.activity import Activity
from core.db import get_session_factory
from core.redis_client import get_redis, key
from core.settings import VAR_DIR, get_settings
from ops import timeline
from ops.desk_agent import DeskAgent, api_client, desk_path, go_online
from people import service
from people.models import UserCreate
from retrieval.embedder import Embedder

PARAPHRASES = Path(__file__).resolve().parents[1] / "retrieval" / "eval" / "demo_paraphrases.jsonl"
LOGINS = VAR_DIR / "demo-history-logins.json"
STAFF = (
    ("sam.rivera@lumora.example", "Sam Rivera", ["agent"]),
    ("priya.shah@lumora.example", "Priya Shah", ["agent"]),
    ("noor.haddad@lumora.example", "Noor Haddad", ["expert"]),
)
ASK_FOR_A_PERSON = ("can I talk to a person please", "I want a human", "speak to an agent")
AGENT_LINES = (
    "Thanks for waiting — I'm looking at this now.",
    "Sorry about the trouble. Let me check your account.",
    "I can help with that. One moment please.",
)
WAIT = 30  # seconds for an offer or a reply before a conversation is left as it is


@dataclass
class Expert:
    """The demo expert: their id and an API client with their token."""

    user_id: int
    http: httpx.AsyncClient


@dataclass
class Run:
    """What the simulation did: the conversations it opened (with their cases and swarms) and its tallies."""

    rng: random.Random
    conversations: list[str] = field(default_factory=list)
    cases: dict[str, list[int]] = field(default_factory=dict)  # conversation → case ids
    swarms: dict[str, list[int]] = field(default_factory=dict)  # conversation → swarm ids
    visitors: list[tuple[str, str]] = field(default_factory=list)  # (visitor id, the question they asked)
    done: dict[str, asyncio.Event] = field(default_factory=dict)  # a conversation an agent is serving → finished
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, what: str) -> None:
        """Tally one thing that happened."""
        self.counts[what] = self.counts.get(what, 0) + 1


def staff_logins(sessions: sessionmaker[Session], path: Path) -> list[tuple[str, str, int, str]]:
    """The demo staff (created once; passwords kept in `path`, owner-only): email, password, id, a new API token."""
    known = json.loads(path.read_text()) if path.exists() else {}
    logins = []
    with sessions() as session:
        for email, name, roles in STAFF:
            user = service.get_by_email(session=session, email=email)
            if user is None or email not in known:
                if user is not None:
                    raise SystemExit(f"{email} exists but its password is not in {path}; remove the account first")
                known[email] = secrets.token_urlsafe(12)
                data = UserCreate(email=email, display_name=name, password=known[email], roles=roles, capacity=20)
                user = service.create_user(session=session, data=data)
            token = service.create_api_token(session=session, user=user, name="demo history")
            logins.append((email, known[email], user.id, token))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(known))
    path.chmod(0o600)
    return logins


class Customer:
    """One customer chatting through the customer API."""

    def __init__(self, url: str, run: Run) -> None:
        self.http = httpx.AsyncClient(base_url=url, timeout=60)
        self.run = run
        self.id = self.token = ""

    async def open(self, visitor: str) -> None:
        """Start a conversation as this visitor."""
        opened = (await self.http.post("/api/conversations", json={"visitor_id": visitor})).raise_for_status().json()
        self.id, self.token = opened["conversation_id"], opened["token"]
        self.http.headers["Authorization"] = f"Bearer {self.token}"
        self.run.conversations.append(self.id)

    async def say(self, text: str, payload: str | None = None) -> dict:
        """One message; the messages and state it brought."""
        body = {"text": text} | ({"payload": payload} if payload else {})
        return (await self.http.post(f"/api/conversations/{self.id}/messages", json=body)).raise_for_status().json()

    async def end(self) -> None:
        """Close the chat from the widget."""
        await self.http.post(f"/api/conversations/{self.id}/end")

    async def survey(self) -> None:
        """Answer the closing survey (or not), as customers do."""
        rng = self.run.rng
        if rng.random() < 0.45:
            score = rng.choices([5, 4, 3, 2, 1], [50, 25, 10, 8, 7])[0]
            path = f"/api/conversations/{self.id}/survey"
            answered = await self.http.post(path, json={"question": "csat", "score": score})
            self.run.count(f"survey answered {answered.status_code}")
            if rng.random() < 0.7:
                ease = min(7, max(1, score + rng.choice([1, 2, 2, 1, 0, -1])))
                await self.http.post(path, json={"question": "ces", "score": ease})


async def chat(url: str, run: Run, questions: dict[str, list[str]], number: int) -> None:
    """One conversation: a question or two, feedback, maybe a person, then the end and perhaps the survey."""
    rng, customer = run.rng, Customer(url, run)
    if run.visitors and rng.random() < 0.12:
        visitor, question = rng.choice(run.visitors)  # back again with the same question
        run.count("came back")
    else:
        visitor, question = uuid.uuid4().hex, rng.choice(questions["answerable" if rng.random() < 0.8 else "none"])
        run.visitors.append((visitor, question))
    try:
        await customer.open(visitor)
        answer = await customer.say(question)
        if answer["state"] in {"queued", "agent"}:
            return await _served(run, customer)
        feedback = [b for m in answer["messages"] for b in m.get("buttons") or [] if b["payload"] == "/helpful"]
        if feedback and rng.random() < 0.55:
            helped = rng.random() < 0.75
            answer = await customer.say("Yes" if helped else "No", "/helpful" if helped else "/not_helpful")
            run.count("said it helped" if helped else "said it did not help")
            if answer["state"] in {"queued", "agent"}:
                return await _served(run, customer)
        if number % 5 == 4:
            answer = await customer.say(rng.choice(ASK_FOR_A_PERSON))
            if answer["state"] in {"queued", "agent"}:
                return await _served(run, customer)
        if answer["state"] == "closed" or rng.random() < 0.6:  # the others leave the chat open
            if answer["state"] != "closed":
                await customer.end()
            await customer.survey()
    except httpx.HTTPError as error:
        run.count(f"customer error: {error}"[:80])
    finally:
        await customer.http.aclose()


async def _served(run: Run, customer: Customer) -> None:
    """Wait until an agent has finished with the conversation (or give up), then maybe answer the survey."""
    run.count("handed off")
    finished = run.done.setdefault(customer.id, asyncio.Event())
    try:
        await asyncio.wait_for(finished.wait(), WAIT)
        await customer.survey()
    except TimeoutError:
        run.count("left waiting")
        await customer.end()


class Agent(DeskAgent):
    """A demo agent at the desk, serving every offer: accept, reply, sometimes casework, close."""

    def __init__(self, url: str, login: tuple[str, str, int, str], *, expert: Expert, run: Run) -> None:
        email, password, _, token = login
        super().__init__(url, email, password, token)
        self.expert, self.run = expert, run

    async def serve(self, conversation_id: str) -> None:
        """Accept, reply; sometimes a case (resolved directly or through a swarm); close."""
        rng = self.run.rng
        try:
            if (await self.accept(conversation_id)).status_code != 200:
                return
            await self.reply(conversation_id, rng.choice(AGENT_LINES))
            if conversation_id in self.run.conversations and rng.random() < 0.5:
                await self.casework(conversation_id)
            await self.close(conversation_id)
        except httpx.HTTPError as error:
            self.run.count(f"agent error: {error}"[:80])
        finally:
            self.run.done.setdefault(conversation_id, asyncio.Event()).set()

    async def casework(self, conversation_id: str) -> None:
        """Open a case for the chat; resolve it alone, or (the first, then one in three) with a swarm and the expert."""
        http, rng = self.http, self.run.rng
        body = {
            "customer_email": f"customer{rng.randrange(10_000)}@example.com",
            "subject": "Follow-up from chat",
            "priority": rng.choice(["low", "normal", "normal", "high"]),
            "tags": [rng.choice(["hub", "billing", "app"])],
        }
        opened_before = sum(len(numbers) for numbers in self.run.cases.values())
        case = await _post(http, f"{desk_path(conversation_id)}/case", body)
        self.run.cases.setdefault(conversation_id, []).append(case_id(case["number"]))
        if opened_before % 3 == 0:  # the first case and every third one after it
            await self.swarm(conversation_id, case["number"])
            return
        update = {"version": case["version"], "status": "resolved", "resolution": "Walked the customer through it."}
        await http.patch(f"/api/cases/{case['number']}", json=update)

    async def swarm(self, conversation_id: str, number: str) -> None:
        """Start a swarm, invite the expert, who joins and proposes an answer; send it and close, resolving."""
        owner, expert = self.http, self.expert.http
        swarm = await _post(owner, "/api/swarms", {"case_number": number, "conversation_id": conversation_id})
        room = f"/api/swarms/{swarm['id']}"
        self.run.swarms.setdefault(conversation_id, []).append(swarm["id"])
        invited = await _post(owner, f"{room}/invitations", {"person_ids": [self.expert.user_id]})
        await _post(expert, f"/api/swarms/invitations/{invited['invitations'][0]['id']}/accept")
        said = await _post(expert, f"{room}/messages", {"text": "Reset the hub's radio, then pair it again."})
        await _post(expert, f"{room}/messages/{said['id']}/propose")
        await _post(owner, f"{room}/messages/{said['id']}/send", {"text": said["text"]})
        await _post(owner, f"{room}/close", {"outcome": "Resetting the radio fixed it.", "resolve_case": True})
        self.run.count("swarms")


async def _post(http: httpx.AsyncClient, path: str, body: dict | None = None) -> dict:
    """POST and return the JSON answer; raises httpx.HTTPStatusError on a refusal."""
    return (await http.post(path, json=body)).raise_for_status().json()


def load_questions() -> dict[str, list[str]]:
    """The development paraphrases by whether the KB answers them."""
    questions: dict[str, list[str]] = {"answerable": [], "none": []}
    for line in PARAPHRASES.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        questions["answerable" if item.get("article_id") else "none"].append(item["query"])
    return questions


async def simulate(
    url: str, sessions: sessionmaker[Session], *, conversations: int, seed: int, parallel: int, logins: Path = LOGINS
) -> Run:
    """Run the traffic with the agents online; what it did."""
    run, questions = Run(random.Random(seed)), load_questions()
    *agent_logins, (_, _, expert_id, expert_token) = staff_logins(sessions, logins)
    expert = Expert(expert_id, api_client(url, expert_token))
    agents = [Agent(url, login, expert=expert, run=run) for login in agent_logins]
    desks = await go_online(agents, timeout=WAIT)
    gate = asyncio.Semaphore(parallel)

    async def one(number: int) -> None:
        async with gate:
            await chat(url, run, questions, number)
            if number % 20 == 19:
                print(f"  {number + 1} of {conversations} conversations", flush=True)

    await asyncio.gather(*(one(n) for n in range(conversations)))
    await asyncio.sleep(2)  # the agents finish their last chats
    for agent in agents:
        await agent.leave()
    await asyncio.sleep(0.5)
    for task in desks:
        task.cancel()
    for client in (expert.http, *(agent.http for agent in agents)):
        await client.aclose()
    return run


def next_activity_id(sessions: sessionmaker[Session]) -> int:
    """The id the next activity row will have (or a lower one): where the simulation's rows begin."""
    with sessions() as session:
        return (session.scalar(select(func.max(Activity.id))) or 0) + 1


def refresh_analytics(sessions: sessionmaker[Session], first_id: int) -> None:
    """Have the roll-ups read the simulation's moved rows again, now, under the scheduler's analytics lock."""
    settings = get_settings()
    with get_redis().lock(key("scheduler", "analytics"), timeout=600), sessions() as session:
        reread(session, first_id)
        window = timedelta(hours=settings.recontact_window_hours)
        while refresh(session, window=window, embed=Embedder(threads=1).encode)["behind"]:
            pass
        session.commit()


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, simulate, then spread the conversations over the past days."""
    parser = argparse.ArgumentParser(prog="python -m ops.demo_history", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the running app (default :8000)")
    parser.add_argument("--conversations", type=int, default=240, help="how many (default 240)")
    parser.add_argument("--days", type=int, default=21, help="spread over this many past days (default 21)")
    parser.add_argument("--parallel", type=int, default=4, help="customers at once (default 4)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    try:
        httpx.get(f"{args.url}/livez", timeout=5).raise_for_status()
    except httpx.HTTPError:
        print(f"No Swarmdesk app answers at {args.url}: start it with `make run` first.", file=sys.stderr)
        return 2
    print(f"Simulating {args.conversations} conversations through {args.url} …", flush=True)
    sessions = get_session_factory()
    first = next_activity_id(sessions)
    run = asyncio.run(
        simulate(args.url, sessions, conversations=args.conversations, seed=args.seed, parallel=args.parallel)
    )
    moved = timeline.spread(sessions, run, days=args.days, rng=random.Random(args.seed))
    refresh_analytics(sessions, first)
    print(f"Done: {len(run.conversations)} conversations over {args.days} days ({moved} rows moved); " + ", ".join(
        f"{what} {count}" for what, count in sorted(run.counts.items())))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
