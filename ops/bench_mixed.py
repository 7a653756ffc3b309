"""`python -m ops.bench_mixed [--steps 10,20,50] [--seconds 30] [--app-workers 2]`: a mixed load at stepped
concurrency on the default one-Rasa stack, then on the production topology (nginx, N app workers, two Rasa servers,
two action servers), one after the other, on loopback.

In each step, customers chat with the bot (each turn one of the demo KB's own `questions`, ending in the bot's
reply), every tenth conversation then asks for a person and is served by simulated agents (desk socket online,
desk API with a bearer token: accept, reply, read the answer, reply, close), and an editor publishes and updates
articles. Per step and stack it prints turns/s, p50/p99 per kind, errors, lost/duplicated messages (by `seq` and
text), CPU-ms per bot turn and memory per process; then the issue's comparisons: at the highest step, bot-turn p99 and
the topology's turns/s over the default stack's, and each stack's KB turn over Rasa's own (its REST webhook), at p50.
"""

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
from sqlalchemy.orm import Session

from core.db import make_engine
from core.settings import ROOT
from ops import mixed_load
from ops.bench_support import forget_prefix, machine_speed, percentiles
from ops.desk_agent import go_online
from ops.mixed_load import KINDS, TURNS, Desk, Site, Tally
from ops.own_stack import REDIS_URL, own_stack
from ops.topology import production_topology
from people import service
from people.models import UserCreate
from retrieval.articles import load_kb

LIMITS = {
    "MESSAGES_PER_MINUTE": "100000", "CONVERSATIONS_PER_HOUR_PER_IP": "100000", "KB_SEARCHES_PER_MINUTE": "100000",
    "LOG_LEVEL": "WARNING",
}  # fmt: skip
AGENTS, PASSWORD = 3, "bench-password-1"
SOLO_TURNS = 30  # one customer alone, and Rasa's own webhook alone: the KB turn's p50 both ways
TARGET_P99, TARGET_SPEEDUP, TARGET_OVERHEAD = 1.0, 1.6, 1.5
TYPING_SECONDS = 5.0  # in the paced step, each customer takes this long to type their next message


def kb_questions() -> list[str]:
    """The demo KB's own front-matter questions, in a fixed shuffled order."""
    articles, _ = load_kb(ROOT / "kb")
    questions = [question for article in articles for question in article.questions]
    random.Random(21).shuffle(questions)
    return questions


def staff(database_url: str) -> tuple[list[tuple[str, str, str]], str]:
    """AGENTS agents (room for many chats each) and an editor in the stack's database; their logins and tokens."""
    with Session(make_engine(database_url)) as session:
        agents = []
        for n in range(AGENTS):
            data = UserCreate(
                email=f"agent{n}@bench.example", display_name=f"Agent {n}", password=PASSWORD, roles=["agent"],
                capacity=50,
            )  # fmt: skip
            user = service.create_user(session=session, data=data)
            agents.append((data.email, PASSWORD, service.create_api_token(session=session, user=user, name="bench")))
        data = UserCreate(
            email="editor@bench.example", display_name="Bench Editor", password=PASSWORD, roles=["editor"]
        )
        editor = service.create_api_token(
            session=session, user=service.create_user(session=session, data=data), name="b"
        )
    return agents, editor


def _tree(pid: int) -> list[psutil.Process]:
    """A process and its children (the load generator alone: the default stack's processes are its children)."""
    try:
        process = psutil.Process(pid)
        return [process] if pid == os.getpid() else [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """User + system CPU seconds each process (with its children) has used so far."""
    used = {}
    for name, pid in pids.items():
        total = 0.0
        for process in _tree(pid):
            try:
                times = process.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                continue
        used[name] = total
    return used


def rss_mb(pids: dict[str, int]) -> dict[str, float]:
    """Resident memory of each process (with its children), in MB."""
    sizes = {}
    for name, pid in pids.items():
        total = 0
        for process in _tree(pid):
            try:
                total += process.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        sizes[name] = total / 2**20
    return sizes


async def _step(
    site: Site, desks: list[Desk], questions: Iterator[str], customers: int, seconds: float, pids, pause: float = 0.0
):
    """One step: the load for `seconds` (each customer `pause` seconds typing each next message), conversations in
    flight finished, then checked; figures for printing."""
    tally = Tally()
    for desk in desks:
        desk.tally = tally
    limits = httpx.Limits(max_connections=customers + 10, max_keepalive_connections=customers + 10)
    async with httpx.AsyncClient(base_url=site.url, verify=site.verify, timeout=60, limits=limits) as http:
        before, started = cpu_seconds(pids), time.perf_counter()
        until, count = started + seconds, mixed_load.counter()
        load = [
            mixed_load.customer(site, http, tally, questions=questions, count=count, until=until, pause=pause)
            for _ in range(customers)
        ]
        await asyncio.gather(*load, mixed_load.editor(site, tally, until=until))
        while any(desk.inbox for desk in desks) and time.perf_counter() < until + mixed_load.WAIT_SECONDS:
            await asyncio.sleep(0.2)  # agents finishing their chats
        elapsed, after = time.perf_counter() - started, cpu_seconds(pids)
    await mixed_load.check(site, tally)
    turns = len(tally.times["bot turn"])
    cpu = {name: (after[name] - before.get(name, 0.0)) * 1000 / max(1, turns) for name in after}
    return {"tally": tally, "rate": tally.turns_in_time / seconds, "elapsed": elapsed, "cpu": cpu, "rss": rss_mb(pids)}


def _print_step(site: Site, customers: str, figures: dict) -> None:
    """One step's figures, and the story of each chat whose customer waited in vain for a person."""
    tally: Tally = figures["tally"]
    errors = sum(tally.errors.values())
    print(
        f"  {customers} customers: {figures['rate']:6.1f} turns/s   errors {errors}   lost {tally.lost}   "
        f"duplicated {tally.duplicated}   seq broken {tally.seq_broken}   ({figures['elapsed']:.0f} s; "
        f"{tally.bot_handoffs} handed off by the bot itself)"
    )
    for kind in KINDS:
        print(f"      {kind:<12} n={len(tally.times[kind]):<5} {percentiles(tally.times[kind])}")
    during, apart = mixed_load.turns_beside_edits(tally)
    print(f"      bot turns while the editor's change ran: n={len(during):<5} {percentiles(during)}")
    print(f"      bot turns at other times:                n={len(apart):<5} {percentiles(apart)}")
    for what, count in tally.errors.most_common(5):
        print(f"      error ×{count}: {what}")
    print("      CPU-ms per bot turn: " + "  ".join(f"{name} {ms:.1f}" for name, ms in figures["cpu"].items()))
    print("      memory (RSS, MB):    " + "  ".join(f"{name} {mb:.0f}" for name, mb in figures["rss"].items()))
    for conversation_id in tally.stuck:
        print(f"      the chat {conversation_id}, whose customer waited in vain:")
        print("\n".join(f"        {line}" for line in mixed_load.story(site.database_url, conversation_id)))


async def _solo_turns(site: Site, questions: list[str]) -> list[float]:
    """One customer alone: SOLO_TURNS KB turns through the app, in conversations of TURNS."""
    tally = Tally()
    async with httpx.AsyncClient(base_url=site.url, verify=site.verify, timeout=60) as http:
        for start in range(0, SOLO_TURNS, TURNS):
            opened = (await http.post("/api/conversations")).json()
            tally.tokens[opened["conversation_id"]] = opened["token"]
            tally.expected[opened["conversation_id"]] = {"customer": [], "agent": []}
            for question in questions[start : start + TURNS]:
                await mixed_load.turn(http, tally, opened["conversation_id"], question, "bot turn")
    return tally.times["bot turn"]


def rasa_own_turns(rasa_url: str, questions: list[str]) -> list[float]:
    """Rasa's own KB turn: the same questions straight to its REST webhook (action server and KB search included)."""
    times = []
    with httpx.Client(timeout=60) as http:
        for start in range(0, SOLO_TURNS, TURNS):
            sender = f"bench-{uuid.uuid4().hex}"
            for question in questions[start : start + TURNS]:
                started = time.perf_counter()
                answer = http.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": question})
                if not answer.is_success or not answer.json():  # Rasa answers a failed action with nothing
                    raise RuntimeError(f"Rasa did not answer {question!r}: {answer.status_code}")
                times.append(time.perf_counter() - started)
    return times


async def _measure(site: Site, rasa_url: str, pids: dict[str, int], steps: list[int], seconds: float, paced: int):
    """Agents online, the solo turns both ways, every step, then the paced step (`paced` customers who take
    TYPING_SECONDS to type each message; none when 0); the figures by step ("paced" for the last)."""
    questions = kb_questions()
    solo = questions[:SOLO_TURNS]
    desks = [Desk(site, *agent) for agent in site.agents]
    tasks = await go_online(desks)
    await _solo_turns(site, solo[:TURNS])  # warm up
    results = {"app solo": await _solo_turns(site, solo), "rasa solo": rasa_own_turns(rasa_url, solo)}
    print(f"    KB turn, one customer alone: via the app {percentiles(results['app solo'])}")
    print(f"    Rasa's own KB turn (webhook):            {percentiles(results['rasa solo'])}", flush=True)
    endless = (questions[n % len(questions)] for n in range(10**9))
    pids = pids | {"load generator": os.getpid()}
    for customers in steps:
        results[customers] = await _step(site, desks, endless, customers, seconds, pids)
        _print_step(site, f"{customers:>3}", results[customers])
    if paced:
        results["paced"] = await _step(site, desks, endless, paced, seconds, pids, pause=TYPING_SECONDS)
        _print_step(site, f"{paced:>3} typing", results["paced"])
    for task in tasks:
        task.cancel()
    return results


def default_stack(steps: list[int], seconds: float, kb: Path, paced: int) -> dict:
    """The default `make run` stack: one app, one Rasa server, one action server."""
    print("\n[default stack: 1 app, 1 Rasa server, 1 action server] starting (about a minute)…", flush=True)
    env = LIMITS | {"KB_DIR": str(kb), "COOKIE_SECURE": "false"}  # plain HTTP on loopback, as under `make run`
    with own_stack("mixed", env, access_log=False) as running:
        agents, editor = staff(running.database_url)
        site = Site(running.app_url, True, agents, editor, running.database_url)
        return asyncio.run(_measure(site, running.rasa_url, running.pids, steps, seconds, paced))


def topology(steps: list[int], seconds: float, kb: Path, app_workers: int, paced: int) -> dict:
    """The production topology: nginx with TLS, `app_workers` app workers, two Rasa and two action servers."""
    print(f"\n[topology: nginx, {app_workers} app workers, 2 Rasa servers, 2 action servers] starting (2–4 min)…")
    folder, prefix = Path(tempfile.mkdtemp(prefix="swarmdesk-mixed-")), f"swarmdeskmixed{uuid.uuid4().hex[:6]}"
    try:
        with production_topology(
            folder, kb_dir=kb, redis_url=REDIS_URL, prefix=prefix, app_workers=app_workers, env=LIMITS
        ) as running:
            agents, editor = staff(running.topology.app_env["DATABASE_URL"])
            site = Site(running.url, running.tls, agents, editor, running.topology.app_env["DATABASE_URL"])
            rasa_url = f"http://127.0.0.1:{running.topology.rasa_ports[0]}"
            return asyncio.run(_measure(site, rasa_url, running.pids(), steps, seconds, paced))
    finally:
        forget_prefix(REDIS_URL, prefix)


def _p(samples: list[float], share: float) -> float:
    """The `share` percentile of `samples`, in seconds."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else float("nan")


def compare(default: dict, scaled: dict, steps: list[int], paced: int) -> None:
    """The issue's targets, from this run's figures."""
    top = max(steps)
    print(f"\ncomparisons (this run; at {top} customers — the issue's targets are stated at 50)")
    for name, results in (("default stack", default), ("topology", scaled)):
        p99 = _p(results[top]["tally"].times["bot turn"], 0.99)
        print(f"  {name:<14} bot-turn p99 {p99 * 1000:7.0f} ms   (target ≤ {TARGET_P99 * 1000:.0f} ms)")
    speedup = scaled[top]["rate"] / max(default[top]["rate"], 1e-9)
    errors = [sum(results[top]["tally"].errors.values()) for results in (scaled, default)]
    print(
        f"  topology turns/s ÷ default stack turns/s: {scaled[top]['rate']:.1f} ÷ {default[top]['rate']:.1f} = "
        f"{speedup:.2f}×   (target ≥ {TARGET_SPEEDUP}×; errors in that step: {errors[0]} ÷ {errors[1]})"
    )
    for name, results in (("default stack", default), ("topology", scaled)):
        ratio = statistics.median(results["app solo"]) / statistics.median(results["rasa solo"])
        print(f"  {name:<14} KB turn via the app ÷ Rasa's own KB turn at p50: {ratio:.2f}×   (≤ {TARGET_OVERHEAD}×)")
    for name, results in (("default stack", default), ("topology", scaled)):
        held = [step for step in steps if _holds(results[step])]
        print(f"  {name:<14} highest step with p99 ≤ 1 s, no error, nothing lost or duplicated: {max(held, default=0)}")
    for name, results in (("default stack", default), ("topology", scaled)) if paced else ():
        figures = results["paced"]
        p99 = _p(figures["tally"].times["bot turn"], 0.99)
        print(
            f"  {name:<14} {paced} customers typing {TYPING_SECONDS:.0f} s per message: bot-turn p99 "
            f"{p99 * 1000:.0f} ms, {'holds' if _holds(figures) else 'does not hold'} p99 ≤ 1 s with no error and "
            "nothing lost or duplicated"
        )


def _holds(figures: dict) -> bool:
    """The step kept bot-turn p99 within target, with no error and nothing lost or duplicated."""
    tally: Tally = figures["tally"]
    clean = not tally.errors and not tally.lost and not tally.duplicated and not tally.seq_broken
    return clean and _p(tally.times["bot turn"], 0.99) <= TARGET_P99


def main(argv: list[str] | None = None) -> int:
    """Run both stacks' steps and print the comparisons."""
    parser = argparse.ArgumentParser(prog="python -m ops.bench_mixed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", default="10,20,50", help="concurrent customers per step (default 10,20,50)")
    parser.add_argument("--seconds", type=float, default=30, help="load time per step (default 30)")
    parser.add_argument(
        "--paced",
        type=int,
        default=50,
        help=f"customers in a last step who take {TYPING_SECONDS:.0f} s to type each "
        "message (default 50; 0: no such step)",
    )
    parser.add_argument("--app-workers", type=int, default=2, help="the topology's app workers (default 2)")
    args = parser.parse_args(argv)
    steps = sorted({int(step) for step in args.steps.split(",")})
    started = time.monotonic()
    print(machine_speed(), flush=True)
    kb = Path(tempfile.mkdtemp(prefix="swarmdesk-mixed-kb-")) / "kb"
    shutil.copytree(ROOT / "kb", kb)  # the stacks import the demo KB from a copy: nothing is written into kb/
    try:
        default = default_stack(steps, args.seconds, kb, args.paced)
        scaled = topology(steps, args.seconds, kb, args.app_workers, args.paced)
    except RuntimeError as error:
        print(f"mixed bench failed: {error}", file=sys.stderr)
        return 1
    compare(default, scaled, steps, args.paced)
    print(f"\n{machine_speed()}\nthe whole bench took {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
