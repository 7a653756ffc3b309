"""`python -m ops.chaos NAME`: kill -9 one process of a running `make run` (rasa, actions or app) while a customer
chats, and print when each message was answered and by whom, and that none was lost.

The customer sends a numbered message every 3 s and, like the widget, resends it with the same `ref` while the
app does not answer (a resend is stored once)."""

import os
import signal
import subprocess
import sys
import time

import httpx

from core.settings import VAR_DIR

MESSAGES = 6
APP_URL = os.environ.get("APP_URL", "http://127.0.0.1:8000")


def _pid(name: str) -> int:
    """The pid supervisord gives for one process of the stack."""
    config = VAR_DIR / "supervisor" / "supervisord.conf"
    return int(
        subprocess.check_output([sys.executable, "-m", "supervisor.supervisorctl", "-c", str(config), "pid", name])
    )


def main() -> int:
    """Kill the named process, chat through it, report."""
    name = sys.argv[1] if len(sys.argv) > 1 else "rasa"
    http = httpx.Client(base_url=APP_URL, timeout=30)
    opened = http.post("/api/conversations").json()
    auth = {"Authorization": f"Bearer {opened['token']}"}
    url = f"/api/conversations/{opened['conversation_id']}/messages"
    first = _pid(name)
    os.kill(first, signal.SIGKILL)
    killed, slowest = time.monotonic(), 0.0
    for number in range(1, MESSAGES + 1):
        sent = time.monotonic()
        while True:
            try:
                reply = http.post(
                    url, json={"text": f"my hub says E-204 ({number})", "ref": f"chaos-{number}"}, headers=auth
                )
                break
            except httpx.HTTPError:
                time.sleep(0.5)
        waited = time.monotonic() - sent
        slowest = max(slowest, waited)
        by = sorted({m["sender"] for m in reply.json().get("messages", []) if m["sender"] != "customer"})
        print(
            f"{time.monotonic() - killed:5.1f} s after the kill: message {number} answered in {waited:4.1f} s by {by}"
        )
        time.sleep(3)
    stored = [m for m in http.get(f"{url}?after=0", headers=auth).json()["messages"] if m["sender"] == "customer"]
    print(
        f"{name}: pid {first} → {_pid(name)}; slowest answer {slowest:.1f} s; "
        f"{len(stored)} of {MESSAGES} messages stored"
    )
    return 0 if len(stored) == MESSAGES else 1


if __name__ == "__main__":
    sys.exit(main())
