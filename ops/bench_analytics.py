"""`python -m ops.bench_analytics [--conversations N] [--calls N]`: analytics at scale on PostgreSQL.

In a schema of its own (BENCH_DATABASE_URL, default the local `test` database; dropped afterwards) it COPYs a year
of activity for N conversations (default 1,000,000: answers, feedback, handoffs and waits, cases, swarms, surveys,
unanswered questions), refreshes the roll-ups from scratch and times it, adds an hour of live traffic and times the
incremental refresh the scheduler would run, then times `--calls` random analytics calls (a random period of 1–400
days, a random channel) through the app and prints p50/p95 per route. Skips when PostgreSQL is not reachable.
"""

import argparse
import json
import os
import random
import signal
import statistics
import sys
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import httpx
import psycopg

from ops import stack
from ops.bench_support import drop_schema, forget_prefix, machine_speed, postgres_schema

ARTICLES = [f"article-{n}" for n in range(200)]
REASONS = ("kb_unanswerable", "customer_request", "low_confidence", "case_status")
TOPICS = ("delivery address", "invoice", "refund", "password", "warranty", "subscription", "hub pairing", "battery",
          "firmware update", "gift card", "opening hours", "lamp flicker")  # fmt: skip
ASKING = ("how do I change my {}", "question about my {}", "can you help with the {}", "problem with {}",
          "where do I find the {}", "what about the {} please")  # fmt: skip
QUESTIONS = [form.format(topic) for topic in TOPICS for form in ASKING]
COLUMNS = ("kind", "at", "conversation_id", "case_id", "channel", "visitor", "actor_id", "article_id", "reason",
           "value", "detail")  # fmt: skip
REDIS_URL = "redis://127.0.0.1:6379/14"  # the benches' Redis database
ROUTES = ("overview", "containment", "handoffs", "swarms", "surveys", "knowledge", "unanswered", "conversations")


class Generator:
    """Made-up but plausible activity, conversation by conversation."""

    def __init__(self, conversations: int, end: datetime, seed: int = 23) -> None:
        self.rng, self.end, self.conversations = random.Random(seed), end, conversations
        self.visitors = [uuid.uuid4().hex for _ in range(max(1, conversations // 3))]
        self.next_case, self.next_swarm = 1, 1

    def rows(self, start: datetime, span: timedelta, count: int):
        """`count` conversations starting within `span` after `start`, as COPY rows; nothing after the span's end
        (what happens later has not happened yet: a resolution due tomorrow is not in today's record)."""
        until = start + span
        for moment in sorted(start + span * self.rng.random() for _ in range(count)):  # ids follow time, as live
            yield from (row for row in self._conversation(moment) if row[1] <= until)

    def _row(self, kind, at, conversation=None, case=None, channel="chat", visitor=None, actor=None, article=None,
             reason=None, value=None, detail=None) -> tuple:  # fmt: skip
        """One COPY row."""
        return (kind, at, conversation, case, channel, visitor, actor, article, reason, value,
                json.dumps(detail) if detail else None)  # fmt: skip

    def _conversation(self, at: datetime):
        """One conversation's rows (and its case's and swarm's, when it gets one)."""
        rng, conversation, visitor = self.rng, str(uuid.uuid4()), rng_choice(self.rng, self.visitors)

        def row(kind: str, minutes: float, **fields) -> tuple:
            return self._row(kind, at + timedelta(minutes=minutes), conversation, visitor=visitor, **fields)

        shape = rng.random()
        if shape < 0.6:
            for turn in range(rng.randint(1, 5)):  # customers ask on: one to five answers
                article = rng_choice(rng, ARTICLES[:40] if rng.random() < 0.7 else ARTICLES)
                yield row("answer", turn * 2, article=article)
                if rng.random() < 0.35:
                    yield row("helpful" if rng.random() < 0.7 else "not_helpful", turn * 2 + 1, article=article)
            yield row("close", 10)
            return
        if shape < 0.75:
            yield row("not_found", 0, detail={"question": rng_choice(rng, QUESTIONS)})
            if rng.random() < 0.5:
                yield row("close", 2)
                return
        elif shape < 0.8:
            yield row("clarify", 0, detail={"offered": rng.sample(ARTICLES[:20], 2)})
            yield row("answer", 1, article=rng_choice(rng, ARTICLES[:20]))
        yield from self._handoff(row, rng, at)

    def _handoff(self, row, rng: random.Random, at: datetime):
        """A handoff: offers, an accept after a wait (or the customer gives up), maybe a transfer, a close, a case."""
        yield row("handoff", 1, reason=rng_choice(rng, REASONS), detail={"question": rng_choice(rng, QUESTIONS)})
        wait = rng.lognormvariate(4, 1) / 60  # minutes; median about a minute
        agent = rng.randint(1, 40)
        if rng.random() < 0.3:
            yield row("offer", 1.05, actor=agent + 1)
            yield row("offer_declined" if rng.random() < 0.5 else "offer_timed_out", 1.06, actor=agent + 1)
        yield row("offer", 1.1, actor=agent)
        if rng.random() < 0.1:
            yield row("abandoned", 1 + wait, value=wait * 60)
            return
        yield row("accept", 1 + wait, actor=agent, value=wait * 60)
        if rng.random() < 0.1:
            yield row("transfer", 3 + wait, actor=rng.randint(1, 40))
        yield row("close", 10 + wait + rng.random() * 20, actor=agent)
        if rng.random() < 0.3:
            yield row("survey", 11 + wait, reason="csat", value=float(rng.randint(1, 5)))
        if rng.random() < 0.4:
            yield from self._case(at, agent)

    def _case(self, at: datetime, agent: int):
        """A case opened from the chat (or by email) and resolved, sometimes with a swarm."""
        rng, case = self.rng, self.next_case
        self.next_case += 1
        channel = "email" if rng.random() < 0.2 else "chat"
        yield self._row("case_opened", at + timedelta(minutes=5), case=case, channel=channel)
        hours = rng.lognormvariate(2.5, 1)
        if rng.random() < 0.1:
            swarm, self.next_swarm = self.next_swarm, self.next_swarm + 1
            started = at + timedelta(minutes=20)
            yield self._row(
                "swarm_started", started, case=case, channel=channel, actor=agent, detail={"swarm_id": swarm}
            )
            for expert in rng.sample(range(41, 80), rng.randint(1, 4)):
                joined = started + timedelta(minutes=rng.lognormvariate(2, 1))
                yield self._row("swarm_joined", joined, channel=channel, actor=expert, detail={"swarm_id": swarm})
            yield self._row("swarm_answer_accepted", started + timedelta(hours=1), channel=channel,
                            actor=rng.randint(41, 80), detail={"swarm_id": swarm})  # fmt: skip
            yield self._row("swarm_closed", started + timedelta(hours=2), channel=channel, detail={"swarm_id": swarm})
        resolved = at + timedelta(hours=hours)
        yield self._row("case_resolved", resolved, case=case, channel=channel, actor=agent)
        if rng.random() < 0.05:
            yield self._row("case_reopened", resolved + timedelta(hours=5), case=case, channel=channel)
        if channel == "email" and rng.random() < 0.3:
            yield self._row("survey", resolved + timedelta(hours=1), case=case, channel="email", reason="ces",
                            value=float(rng.randint(1, 7)))  # fmt: skip


def rng_choice(rng: random.Random, items):
    """One item, at random."""
    return items[int(rng.random() * len(items))]


def copy_rows(url: str, rows) -> int:
    """COPY the rows into the activity table; returns how many."""
    n = 0
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        with cursor.copy(f"COPY activity ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
        connection.commit()
    return n


def timed_refresh(embed, now: datetime) -> tuple[float, dict]:
    """Refresh the roll-ups as the scheduler does, round after round until caught up; seconds taken and totals."""
    from analytics.refresh import refresh
    from core.db import get_session_factory

    started, totals = time.perf_counter(), {"rounds": 0, "conversations": 0, "days": 0}
    while True:
        with get_session_factory()() as session:
            done = refresh(session, window=timedelta(hours=72), embed=embed, now=now)
            session.commit()
        totals = {"rounds": totals["rounds"] + 1} | {k: totals[k] + done[k] for k in ("conversations", "days")}
        print(f"  round {totals['rounds']}: {done['rows']:,} rows read, {done['behind']:,} to go", flush=True)
        if not done["behind"]:
            return time.perf_counter() - started, totals


def time_calls(calls: int, end: datetime, seed: int = 5) -> dict[str, list[float]]:
    """Time random analytics calls as a lead against the app under uvicorn; seconds per route."""
    from ops import admin

    admin.create_user("lead@bench.example", "Bench Lead", ["lead"], "bench-password-1")
    headers = {"Authorization": f"Bearer {admin.create_token('lead@bench.example', 'bench')}"}
    rng, timings, port = random.Random(seed), defaultdict(list), stack.free_port()
    supervisor = stack.Stack(log=open(os.devnull, "w"))  # noqa: SIM115 (closed with the process)
    app = stack.app_process(host="127.0.0.1", port=port, env=dict(os.environ), access_log=False)
    supervisor.start(app)
    try:
        supervisor.wait_ready(app, timeout=120)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60) as client:
            for route in ROUTES[:-1]:  # warm up: the worker's first connections and imports are not what is measured
                client.get(f"/api/analytics/{route}")
            for _ in range(calls):
                route, days = rng_choice(rng, ROUTES), rng.randint(1, 400)
                last = (end - timedelta(days=rng.randint(0, 365))).date()
                channel = rng_choice(rng, ("all", "chat", "email"))
                params = {"from": str(last - timedelta(days=days - 1)), "to": str(last), "channel": channel}
                if route == "conversations":
                    params |= {
                        "metric": "outcome",
                        "bucket": rng_choice(rng, ("contained", "recontacted", "handed_off")),
                    }
                started = time.perf_counter()
                answer = client.get(f"/api/analytics/{route}", params=params)
                timings[route].append(time.perf_counter() - started)
                if answer.status_code != 200:
                    raise RuntimeError(f"{route} answered {answer.status_code}: {answer.text[:200]}")
    finally:
        supervisor.stop()
    return timings


def report(timings: dict[str, list[float]]) -> None:
    """p50 / p95 per route, in milliseconds."""
    for route in ROUTES:
        samples = sorted(timings.get(route, []))
        if samples:
            p50, p95 = statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]
            print(f"  {route:<14} {len(samples):4d} calls   p50 {p50 * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms")


def main() -> int:
    """Fill a throwaway schema, refresh, time the calls, drop the schema."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    base = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("analytics bench stopped"))  # the schema is still dropped
    try:
        database, schema = postgres_schema(base)
    except Exception as error:
        print(f"analytics bench skipped: PostgreSQL is not reachable at {base} (set BENCH_DATABASE_URL): {error}")
        return 0
    os.environ.update(
        DATABASE_URL=database, KB_PRELOAD="false", SECRET_KEY="bench", REDIS_URL=REDIS_URL,
        REDIS_PREFIX=f"swarmdeskanalytics{os.getpid()}", ANALYTICS_REFRESH_SECONDS="300",
        SCHEDULER_INTERVAL_SECONDS="3600",
    )  # fmt: skip
    try:
        from ops import migrate
        from retrieval.embedder import Embedder

        migrate.upgrade(database)
        print(machine_speed())
        end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        generator = Generator(args.conversations, end)
        started = time.perf_counter()
        rows = copy_rows(database, generator.rows(end - timedelta(days=365), timedelta(days=365), args.conversations))
        took = time.perf_counter() - started
        print(f"{args.conversations:,} conversations, {rows:,} activity rows COPYed in {took:.0f} s")
        embed = Embedder(backend="onnx", threads=1).encode
        seconds, done = timed_refresh(embed, end)
        print(
            f"refresh from scratch: {seconds:.1f} s in {done['rounds']} rounds ({done['conversations']:,} conversations"
            f" rebuilt, {done['days']} days summed)"
        )
        live = max(1, args.conversations // 8760)  # an hour of traffic at this volume
        copy_rows(database, generator.rows(end, timedelta(hours=1), live))
        seconds, done = timed_refresh(embed, end + timedelta(hours=1))
        print(f"incremental refresh after an hour of traffic ({live} conversations): {seconds:.2f} s")
        report(time_calls(args.calls, end))
        return 0
    finally:
        forget_prefix(REDIS_URL, os.environ["REDIS_PREFIX"])
        drop_schema(base, schema)


if __name__ == "__main__":
    sys.exit(main())
