"""A whole stack of its own for a command that measures or probes it (`ops.bench`, `ops.fuzz`): Rasa, the action
server and the app on free ports, a throwaway SQLite database, the demo KB in `kb/`, Redis database 14 under a
prefix of its own (deleted afterwards); its log goes to a file in the throwaway folder."""

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from core.settings import ROOT
from ops import migrate, stack
from ops.bench_support import forget_prefix
from ops.stack import free_port

REDIS_URL = "redis://127.0.0.1:6379/14"


@dataclass(frozen=True)
class OwnStack:
    """Where the running stack is."""

    app_url: str
    rasa_url: str
    database_url: str
    folder: Path
    pids: dict[str, int] = field(default_factory=dict)  # app, rasa, actions


@contextmanager
def own_stack(name: str, env: dict[str, str] | None = None, *, access_log: bool = True) -> Iterator[OwnStack]:
    """Start the stack (about a minute), yield where it is, stop it and forget its Redis keys.

    Raises:
        RuntimeError: a process did not start (its log is in the folder).
    """
    folder = Path(tempfile.mkdtemp(prefix=f"swarmdesk-{name}-"))
    database = f"sqlite:///{folder / f'{name}.db'}"
    migrate.upgrade(database)
    prefix, token = f"swarmdesk{name}{os.getpid()}", f"{name}-token"
    app_port, rasa_port, actions_port = free_port(), free_port(), free_port()
    supervisor = stack.Stack(log=open(folder / "stack.log", "w"))  # noqa: SIM115 (closed with the process)
    app_env = {
        "DATABASE_URL": database, "REDIS_URL": REDIS_URL, "REDIS_PREFIX": prefix,
        "RASA_URL": f"http://127.0.0.1:{rasa_port}", "ACTION_SERVER_URL": f"http://127.0.0.1:{actions_port}",
        "BOT_SERVICE_TOKEN": token, "SECRET_KEY": name, "KB_DIR": str(ROOT / "kb"),
        "INDEX_DIR": str(folder / "index"), "MAIL_OUTBOX_DIR": str(folder / "outbox"),
    } | (env or {})  # fmt: skip
    stack.index_before_start(app_env)
    processes = [
        stack.actions_process(port=actions_port, api_url=f"http://127.0.0.1:{app_port}", service_token=token),
        stack.rasa_process(
            model=stack.current_model(),
            port=rasa_port,
            env=stack.rasa_env(REDIS_URL, prefix=f"{prefix}rasa", action_port=actions_port),
        ),
        stack.app_process(host="127.0.0.1", port=app_port, env=app_env, access_log=access_log),
    ]
    try:
        for process in processes:
            supervisor.start(process)
        for process in processes:
            supervisor.wait_ready(process, timeout=300)
        _wait_until_ready(f"http://127.0.0.1:{app_port}", timeout=300)
        pids = {process.name: process.popen.pid for process in processes if process.popen}
        yield OwnStack(f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{rasa_port}", database, folder, pids)
    except RuntimeError as error:
        raise RuntimeError(f"{error} (log: {folder / 'stack.log'})") from error
    finally:
        supervisor.stop()
        forget_prefix(REDIS_URL, prefix)


def _wait_until_ready(app_url: str, *, timeout: float) -> None:
    """Wait for /readyz to be 200 (the app opens the KB index built before it started)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if httpx.get(f"{app_url}/readyz", timeout=10).status_code == 200:
            return
        time.sleep(1)
    raise RuntimeError(f"the app was not ready after {timeout:.0f} s: {httpx.get(f'{app_url}/readyz').text}")
