"""Start and supervise Swarmdesk's processes (Redis, Rasa, the action server, the app) with prefixed logs."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO
from urllib.parse import urlparse

import httpx
import redis

from core.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
RASA_BIN = ROOT / ".venv-rasa" / "bin"
# A turn's lock lives this long: a Rasa killed mid-turn holds its conversation for at most this (Rasa's default is
# 60 s); a turn's slowest step, the bot's platform call, times out in 10 s.
TICKET_LOCK_SECONDS = 10


@dataclass
class Process:
    """One process of the stack and how to tell that it is ready."""

    name: str
    argv: list[str]
    ready: Callable[[], bool]
    env: dict[str, str] = field(default_factory=dict)
    popen: subprocess.Popen | None = None


def free_port() -> int:
    """Ask the OS for a free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_ok(url: str) -> Callable[[], bool]:
    """A readiness probe: `url` answers with a 2xx status."""

    def probe() -> bool:
        try:
            return httpx.get(url, timeout=2).is_success
        except httpx.HTTPError:
            return False

    return probe


def rasa_parses(url: str) -> Callable[[], bool]:
    """A readiness probe that parses one message, so the model is warm before the first customer arrives."""

    def probe() -> bool:
        try:
            return httpx.post(f"{url}/model/parse", json={"text": "hello"}, timeout=60).is_success
        except httpx.HTTPError:
            return False

    return probe


def redis_answers(url: str) -> bool:
    """True if a Redis server answers PING at `url`."""
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def current_model() -> Path:
    """The trained model for the current bot sources (`scripts/train.sh` builds it)."""
    digest = subprocess.run(
        [str(ROOT / "scripts" / "model_hash.sh")], check=True, capture_output=True, text=True
    ).stdout.strip()
    model = ROOT / "models" / f"swarmdesk-{digest}.tar.gz"
    if not model.exists():
        raise SystemExit(f"No trained Rasa model at {model}: run `make model` (make run/test do it for you).")
    return model


def rasa_env(redis_url: str, *, prefix: str, action_port: int) -> dict[str, str]:
    """Environment for Rasa: Redis tracker/lock store location, the action server port, no telemetry.

    Rasa ignores a key prefix that is not alphanumeric, so other characters are dropped from `prefix`.
    """
    parsed = urlparse(redis_url)
    return {
        "RASA_TELEMETRY_ENABLED": "false",
        "RASA_REDIS_HOST": parsed.hostname or "127.0.0.1",
        "RASA_REDIS_PORT": str(parsed.port or 6379),
        "RASA_REDIS_DB": (parsed.path or "/0").lstrip("/") or "0",
        "RASA_REDIS_PREFIX": "".join(ch for ch in prefix if ch.isalnum()),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
        "TICKET_LOCK_LIFETIME": str(TICKET_LOCK_SECONDS),
    }


def rasa_process(*, model: Path, port: int, env: dict[str, str]) -> Process:
    """The Rasa server (REST channel, HTTP API) bound to 127.0.0.1 only, started through `bot.server`."""
    argv = [
        str(RASA_BIN / "python"),
        "-m",
        "bot.server",
        "run",
        "--model",
        str(model),
        "--endpoints",
        "bot/endpoints.yml",
        "--credentials",
        "bot/credentials.yml",
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
        "--enable-api",
    ]
    return Process("rasa", argv, rasa_parses(f"http://127.0.0.1:{port}"), env)


def actions_process(*, port: int, api_url: str, service_token: str) -> Process:
    """The rasa-sdk action server bound to 127.0.0.1 only; actions call the app with a service token."""
    argv = [str(RASA_BIN / "rasa"), "run", "actions", "--actions", "bot.actions", "--port", str(port)]
    env = {"SANIC_HOST": "127.0.0.1", "SWARMDESK_API_URL": api_url, "SWARMDESK_SERVICE_TOKEN": service_token}
    return Process("actions", argv, http_ok(f"http://127.0.0.1:{port}/health"), env)


def app_serving_env() -> dict[str, str]:
    """What every app process serves with: one thread for the KB model and FAISS (`SWARMDESK_RETRIEVAL_THREADS`,
    unless set). A search embeds one short query: with two threads, ONNX Runtime's idle pool thread spun on after
    each one (26 ms of CPU per query instead of 4.5, about 40 ms per bot turn, most of the app's share) and the
    query was no faster (8.6 ms against 4.6 ms on a busy 2-core machine)."""
    from retrieval.embedder import THREADS_ENV  # here: importing retrieval takes half a second the launcher needn't

    return {THREADS_ENV: os.environ.get(THREADS_ENV, "1")}


def app_process(*, host: str, port: int, env: dict[str, str], access_log: bool = True) -> Process:
    """The FastAPI app under uvicorn (WebSocket frames uncompressed: chat frames are too small to gain from it;
    forwarded addresses are the app's to trust, from `trusted_proxies` only, so uvicorn's own reading is off)."""
    argv = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", host, "--port", str(port), "--no-proxy-headers"]
    argv += ["--ws-per-message-deflate", "false", "--ws-max-size", str(get_settings().max_socket_frame_bytes)]
    argv += [] if access_log else ["--no-access-log"]
    return Process("app", argv, http_ok(f"http://127.0.0.1:{port}/livez"), app_serving_env() | env)


def index_before_start(env: dict[str, str]) -> None:
    """Build the KB indexes for the app settings in `env` in a process of its own, before any app process starts,
    as `make run` does: an app that built them itself at its first start kept the embedding model's build-time
    memory (2.0 GB against 1.2 GB)."""
    code = "import core.settings as s, knowledge.live_index as k; k.index_now(s.get_settings())"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, **env}, check=True, capture_output=True)


def redis_process(*, port: int, data_dir: Path) -> Process:
    """A local redis-server with append-only persistence under `data_dir`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    argv = [
        "redis-server",
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--dir",
        str(data_dir),
        "--appendonly",
        "yes",
        "--save",
        "",
    ]
    return Process("redis", argv, lambda: redis_answers(f"redis://127.0.0.1:{port}/0"))


class Stack:
    """A group of processes started together, logged with a prefix each, and stopped together (the tests' stacks)."""

    def __init__(self, *, log: TextIO = sys.stdout) -> None:
        self.processes: list[Process] = []
        self._log = log
        self._lock = threading.Lock()

    def start(self, process: Process) -> None:
        """Start a process and copy its output to the log, each line prefixed with its name."""
        env = {**os.environ, **process.env}
        process.popen = subprocess.Popen(
            process.argv,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.processes.append(process)
        prefix = f"{process.name:>8} | "
        threading.Thread(target=self._pump, args=(process.popen.stdout, prefix), daemon=True).start()

    def _pump(self, stream: TextIO, prefix: str) -> None:
        """Copy one process's output line by line."""
        for line in stream:
            with self._lock:
                self._log.write(prefix + line)
                self._log.flush()

    def wait_ready(self, process: Process, *, timeout: float) -> None:
        """Wait until the process's probe passes; fail early if it exits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.ready():
                return
            if process.popen and process.popen.poll() is not None:
                raise RuntimeError(f"{process.name} exited with code {process.popen.returncode}; see its log above")
            time.sleep(0.5)
        raise RuntimeError(f"{process.name} was not ready after {timeout:.0f} s")

    def stop(self) -> None:
        """Stop every process (SIGTERM, then SIGKILL after 10 s), newest first."""
        for process in reversed(self.processes):
            if process.popen and process.popen.poll() is None:
                os.killpg(process.popen.pid, signal.SIGTERM)
        for process in reversed(self.processes):
            if process.popen is None:
                continue
            try:
                process.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait()
