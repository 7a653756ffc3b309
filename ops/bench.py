"""`python -m ops.bench`: a bot turn through the customer API against Rasa's bare REST turn, same run.

Starts its own stack (`ops.own_stack`), then measures p50/p99 of:
- Rasa's bare REST turn for "hi" (greet → utter_greet, no action);
- the full KB-answer turn: app → Rasa → action server → KB search → reply, stored and returned, in
  conversations of TURNS questions, one at a time and 20 at once.
"""

import statistics
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from ops.bench_support import machine_speed, percentiles
from ops.own_stack import own_stack

QUESTIONS = [
    "my hub says E-101",
    "how long does a refund take",
    "the bulb keeps flickering when I dim it",
    "how do I reset my password",
    "where is my parcel",
]
ROUNDS = 40
TURNS = 5  # questions per conversation: a support chat is a handful of turns, and Rasa's cost grows with them


def _timed(call) -> float:
    """Seconds one call takes."""
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def _kb_turns(app_url: str, rounds: int) -> list[float]:
    """Conversations of TURNS KB questions each, one after another; the duration of each turn."""
    times = []
    with httpx.Client(base_url=app_url, timeout=60) as http:
        for _ in range(max(1, rounds // TURNS)):
            opened = http.post("/api/conversations").json()
            auth = {"Authorization": f"Bearer {opened['token']}"}
            url = f"/api/conversations/{opened['conversation_id']}/messages"
            for question in QUESTIONS[:TURNS]:
                started = time.perf_counter()
                answer = http.post(url, json={"text": question}, headers=auth)
                times.append(time.perf_counter() - started)
                _check_the_bot_answered(answer, question)
    return times


def _check_the_bot_answered(answer: httpx.Response, question: str) -> None:
    """Raise if a turn did not end with the bot's reply (a failed turn is fast, and must not count as one)."""
    answer.raise_for_status()
    if not any(message["sender"] == "bot" for message in answer.json()["messages"]):
        raise RuntimeError(f"the bot did not answer {question!r}: {answer.json()['messages']}")


def _bare_rasa(rasa_url: str, rounds: int, text: str = "hi") -> list[float]:
    """Rasa's REST turn for `text` without the app in front (a greeting needs no action server)."""
    url = f"{rasa_url}/webhooks/rest/webhook"
    times = []
    with httpx.Client(timeout=60) as http:
        for _ in range(rounds):
            started = time.perf_counter()
            answer = http.post(url, json={"sender": f"bench-{uuid.uuid4().hex}", "message": text})
            times.append(time.perf_counter() - started)
            if not answer.is_success or not answer.json():  # Rasa answers a failed action with nothing
                raise RuntimeError(f"Rasa did not answer {text!r}: {answer.status_code} {answer.text[:200]}")
    return times


def _kb_search(app_url: str, rounds: int) -> list[float]:
    """The app's KB search API alone (what the action calls)."""
    with httpx.Client(base_url=app_url, timeout=60) as http:
        body = {"query": QUESTIONS[0], "top_k": 3}
        return [_timed(lambda: http.post("/api/kb/search", json=body).raise_for_status()) for _ in range(rounds)]


def main() -> int:
    """Start the stack, measure, print the table, stop the stack."""
    limits = {"MESSAGES_PER_MINUTE": "100000", "CONVERSATIONS_PER_HOUR_PER_IP": "100000"}
    print("starting Rasa, the action server and the app (about a minute)…", flush=True)
    try:
        with own_stack("bench", limits) as running:
            return _measure(running.app_url, running.rasa_url)
    except RuntimeError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 1


def _measure(app_url: str, rasa_url: str) -> int:
    """Measure the turns and print the table."""
    _kb_search(app_url, 1)  # warm up the search path
    _kb_turns(app_url, 5)  # and the first turns trace the models
    bare = _bare_rasa(rasa_url, ROUNDS * 2)
    rasa_kb = _bare_rasa(rasa_url, ROUNDS, QUESTIONS[0])
    search = _kb_search(app_url, ROUNDS)
    single = _kb_turns(app_url, ROUNDS)
    with ThreadPoolExecutor(20) as pool:
        concurrent = [t for times in pool.map(lambda _: _kb_turns(app_url, TURNS * 2), range(20)) for t in times]
    print(f"\n{machine_speed()}\n{'bot turn (2 cores)':<52} latency")
    print(f"{'Rasa bare REST turn, greeting, no action':<52} {percentiles(bare)}")
    print(f"{'  Rasa REST turn, KB question (action + KB search)':<52} {percentiles(rasa_kb)}")
    print(f"{'  the app KB search API alone':<52} {percentiles(search)}")
    print(f"{'KB-answer turn via the app, 1 conversation':<52} {percentiles(single)}")
    print(f"{'KB-answer turn via the app, 20 concurrent':<52} {percentiles(concurrent)}")
    ratio = statistics.median(single) / statistics.median(bare)
    print(f"\nKB-answer turn / bare Rasa turn at p50: {ratio:.2f}×  (target ≤ 1.5×)")
    floor = statistics.median(rasa_kb) / statistics.median(bare)
    print(f"Rasa alone, KB question / bare turn at p50: {floor:.2f}×  (the floor for any app in front)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
