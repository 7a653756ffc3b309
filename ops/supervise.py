"""`make run`'s supervision, by supervisord: a process that dies is restarted (with backoff), one that keeps crashing
is given up on after a few tries, and all of them stop together. Each process logs to `<folder>/log/<name>.log`,
supervisord itself to `<folder>/log/supervisord.log`."""

import os
import signal
import subprocess
import sys
import time
import xmlrpc.client
from pathlib import Path

from supervisor.xmlrpc import SupervisorTransport

from ops.stack import ROOT, Process

START_RETRIES = 3  # tries to get a process to stay up before it is given up on
STARTSECS = {"rasa": 20}  # how long a process must stay up to count as started (Rasa loads its model for longer)
DEFAULT_STARTSECS = 3
STOP_WAIT_SECONDS = 10


def _quoted(value: str) -> str:
    """A value for supervisord's `environment=` line: quoted, and its `%` not taken for an expansion."""
    return '"' + value.replace("%", "%%").replace('"', '\\"') + '"'


def _program(process: Process, logs: Path, autostart: bool) -> str:
    """The `[program:…]` section of one process."""
    env = ",".join(f"{key}={_quoted(value)}" for key, value in process.env.items())
    lines = [
        f"[program:{process.name}]",
        "command=" + " ".join(_quoted(arg) for arg in process.argv),
        f"directory={ROOT}",
        f"autostart={str(autostart).lower()}",
        "autorestart=true",
        f"startretries={START_RETRIES}",
        f"startsecs={STARTSECS.get(process.name, DEFAULT_STARTSECS)}",
        "stopasgroup=true",
        "killasgroup=true",
        f"stopwaitsecs={STOP_WAIT_SECONDS}",
        "redirect_stderr=true",
        f"stdout_logfile={logs / (process.name + '.log')}",
        "stdout_logfile_maxbytes=10MB",
        "stdout_logfile_backups=2",
    ]
    return "\n".join(lines + ([f"environment={env}"] if env else [])) + "\n"


class Supervisor:
    """supervisord running `processes`, with its config, socket and logs under `folder`."""

    def __init__(self, processes: list[Process], folder: Path, *, later: frozenset[str] = frozenset()) -> None:
        """`later`: the processes that start only when `start_process` says so (after setup steps)."""
        self.processes, self.folder, self.later = processes, folder, later
        self.logs = folder / "log"
        self.socket = folder / "supervisor.sock"
        self.config = folder / "supervisord.conf"
        self.log = self.logs / "supervisord.log"  # its account of starts, exits, restarts and give-ups
        self._daemon: subprocess.Popen | None = None

    def write_config(self) -> Path:
        """Write supervisord.conf for the processes (the socket is the owner's only)."""
        self.logs.mkdir(parents=True, exist_ok=True)
        head = (
            f"[supervisord]\nnodaemon=true\nlogfile={self.log}\nloglevel=info\n"
            f"pidfile={self.folder / 'supervisord.pid'}\nchildlogdir={self.logs}\n\n"
            f"[unix_http_server]\nfile={self.socket}\nchmod=0700\n\n"
            f"[supervisorctl]\nserverurl=unix://{self.socket}\n\n"
            "[rpcinterface:supervisor]\n"
            "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n"
        )
        programs = (_program(p, self.logs, p.name not in self.later) for p in self.processes)
        self.config.write_text(head + "\n".join(programs))
        return self.config

    def start(self) -> None:
        """Start supervisord (in the foreground of its own process group) with every process."""
        self.write_config()
        argv = [sys.executable, "-m", "supervisor.supervisord", "-c", str(self.config)]
        self._daemon = subprocess.Popen(argv, cwd=ROOT, env={**os.environ}, start_new_session=True)
        deadline = time.monotonic() + 15
        while not self.states():
            if time.monotonic() > deadline or not self.running():
                raise RuntimeError(f"supervisord did not start; see {self.config}")
            time.sleep(0.2)

    def _rpc(self):
        """supervisord's XML-RPC interface over its unix socket."""
        transport = SupervisorTransport(None, None, f"unix://{self.socket}")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport).supervisor

    def start_process(self, name: str) -> None:
        """Start one of the `later` processes (without waiting for it)."""
        self._rpc().startProcess(name, False)

    def states(self) -> dict[str, dict]:
        """Each process's state as supervisord sees it: {"statename", "pid", …}; {} before it answers."""
        try:
            return {info["name"]: info for info in self._rpc().getAllProcessInfo()}
        except (OSError, xmlrpc.client.Fault):
            return {}

    def given_up(self) -> list[str]:
        """The processes supervisord gave up on (they kept crashing)."""
        return [name for name, info in self.states().items() if info["statename"] == "FATAL"]

    def running(self) -> bool:
        """Whether supervisord itself is still running."""
        return self._daemon is not None and self._daemon.poll() is None

    def wait_ready(self, process: Process, *, timeout: float) -> None:
        """Wait until the process's probe passes; fail early if it was given up on."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.ready():
                return
            if process.name in self.given_up() or not self.running():
                raise RuntimeError(f"{process.name} keeps crashing; see {self.logs / (process.name + '.log')}")
            time.sleep(0.5)
        raise RuntimeError(f"{process.name} was not ready after {timeout:.0f} s; see {self.logs / process.name}.log")

    def stop(self) -> None:
        """Stop supervisord, which stops every process (SIGTERM, then SIGKILL after STOP_WAIT_SECONDS)."""
        if not self.running():
            return
        self._daemon.send_signal(signal.SIGTERM)
        try:
            self._daemon.wait(timeout=STOP_WAIT_SECONDS + 10)
        except subprocess.TimeoutExpired:
            os.killpg(self._daemon.pid, signal.SIGKILL)
            self._daemon.wait()
