"""The production topology of `deploy/` on this machine, for the failover test and the mixed-load bench: nginx (TLS,
self-signed) → N app workers → two Rasa servers + two action servers, on Redis and a throwaway SQLite database, under
supervisord."""

import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import xmlrpc.client
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from supervisor.xmlrpc import SupervisorTransport

from ops import deploy, migrate, stack
from ops.stack import ROOT, free_port

START_SECONDS = 240  # two Rasa servers loading their models side by side on two busy cores


@dataclass
class Running:
    """Where the running topology is and how to reach its parts."""

    folder: Path
    url: str  # nginx, https
    tls: ssl.SSLContext  # trusts the test's self-signed certificate
    topology: deploy.Topology
    nginx_pid: int = 0

    def supervisor(self):
        """supervisord's XML-RPC interface."""
        transport = SupervisorTransport(None, None, f"unix://{self.folder / 'run' / 'supervisor.sock'}")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport).supervisor

    def crash(self, name: str) -> int:
        """Kill -9 one process (`rasa-1`, `app:app-<port>`) and keep it down; returns the pid killed."""
        rpc = self.supervisor()
        pid = rpc.getProcessInfo(name)["pid"]
        os.killpg(pid, signal.SIGKILL)  # the process and its children, like a crash of the host's process
        deadline = time.monotonic() + 10
        while rpc.getProcessInfo(name)["statename"] != "STOPPED":  # supervisord would start it again: hold it down
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} could not be held down: {rpc.getProcessInfo(name)}")
            try:
                rpc.stopProcess(name, True)
            except xmlrpc.client.Fault:
                time.sleep(0.1)  # between its exit and its restart: try again
        return pid

    def pids(self) -> dict[str, int]:
        """The running processes by name (`rasa-1`, `app-8001`, …, `nginx`): supervisord's programs, nginx's master."""
        running = {info["name"]: info["pid"] for info in self.supervisor().getAllProcessInfo() if info["pid"]}
        return running | {"nginx": self.nginx_pid}


def free_ports_in_a_row(count: int = 2) -> int:
    """A free port whose next `count - 1` ports are free too (supervisord numbers the app workers by consecutive
    ports)."""
    for _ in range(50):
        port = free_port()
        if all(_bindable(port + n) for n in range(1, count)):
            return port
    raise RuntimeError(f"no {count} consecutive free ports")


def _bindable(port: int) -> bool:
    """Nothing listens on `port` now."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made by openssl."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        + ["-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    return cert, key


def nginx_binary() -> str:
    """Debian's nginx (scripts/ensure_nginx.sh installs it)."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        raise RuntimeError("nginx is missing: run scripts/ensure_nginx.sh (make test does)")
    return found


def _wait(what: str, probe, deadline: float) -> None:
    """Wait until `probe()` is true."""
    while not probe():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} was not ready after {START_SECONDS} s")
        time.sleep(1)


@contextmanager
def production_topology(
    folder: Path,
    *,
    kb_dir: Path,
    redis_url: str,
    prefix: str,
    app_workers: int = 2,
    env: dict[str, str] | None = None,
    database: str | None = None,
) -> Iterator[Running]:
    """Render `deploy/` for free ports (`env` adds app settings), start supervisord and nginx, wait until every part
    is ready; stop them. The database is `database` (migrated by the caller), else a new SQLite file."""
    nginx = nginx_binary()  # before anything is built or started
    if database is None:
        database = f"sqlite:///{folder / 'swarmdesk.db'}"
        migrate.upgrade(database)
    cert, key = self_signed(folder)
    listen = free_port()
    topology = deploy.Topology(
        folder=folder,
        tls_cert=cert,
        tls_key=key,
        listen=f"127.0.0.1:{listen}",
        http_listen=f"127.0.0.1:{free_port()}",
        server_name="127.0.0.1",
        app_workers=app_workers,
        app_port_first=free_ports_in_a_row(app_workers),
        internal_port=free_port(),
        rasa_ports=(free_port(), free_port()),
        actions_ports=(free_port(), free_port()),
        app_env={
            "DATABASE_URL": database, "REDIS_URL": redis_url, "REDIS_PREFIX": prefix, "SECRET_KEY": "topology",
            "BOT_SERVICE_TOKEN": "topology-token", "KB_DIR": str(kb_dir), "INDEX_DIR": str(folder / "index"),
            "MAIL_OUTBOX_DIR": str(folder / "outbox"), "HF_HUB_OFFLINE": "1", "LOG_FORMAT": "text",
            "PUBLIC_URL": f"https://127.0.0.1:{listen}",
        } | (env or {}),
    )  # fmt: skip
    nginx_conf, supervisord_conf = deploy.write(topology)
    stack.index_before_start(topology.app_env)
    as_root = " user root;" if os.geteuid() == 0 else ""  # workers would be `nobody`, shut out of the 0700 folder
    nginx_command = [nginx, "-p", str(folder), "-c", str(nginx_conf), "-g", f"daemon off;{as_root}"]
    nginx_command += ["-e", str(folder / "log" / "nginx-error.log")]
    log = open(folder / "log" / "processes.log", "w")  # noqa: SIM115 (closed below)
    started: list[subprocess.Popen] = []
    tls = ssl.create_default_context(cafile=str(cert))
    try:  # whatever fails from here on, what was started is stopped
        started.append(subprocess.Popen(
            [sys.executable, "-m", "supervisor.supervisord", "-c", str(supervisord_conf)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        ))  # fmt: skip
        started.append(subprocess.Popen(nginx_command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        running = Running(folder, f"https://127.0.0.1:{listen}", tls, topology, started[-1].pid)
        deadline = time.monotonic() + START_SECONDS
        for port in topology.rasa_ports:
            _wait(f"Rasa on {port}", stack.rasa_parses(f"http://127.0.0.1:{port}"), deadline)
        for port in topology.actions_ports:
            _wait(f"the action server on {port}", stack.http_ok(f"http://127.0.0.1:{port}/health"), deadline)
        for port in topology.app_ports:
            _wait(f"the app worker on {port}", stack.http_ok(f"http://127.0.0.1:{port}/readyz"), deadline)
        _wait("nginx", lambda: _https_ok(f"{running.url}/readyz", tls), deadline)
        yield running
    except RuntimeError as error:
        raise RuntimeError(f"{error}; logs in {folder / 'log'}") from error
    finally:
        _stop(reversed(started))
        log.close()


def _stop(processes: Iterable[subprocess.Popen]) -> None:
    """SIGTERM each process, then wait for it (its whole group is killed after 30 s)."""
    processes = list(processes)
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _https_ok(url: str, tls: ssl.SSLContext) -> bool:
    """`url` answers 2xx over TLS."""
    try:
        return httpx.get(url, verify=tls, timeout=5).is_success
    except httpx.HTTPError:
        return False
