"""`make run`'s supervision by supervisord: a killed app is started again, a process that keeps crashing is given
up on (the others keep running), and stopping supervisord stops everything."""

import os
import signal
import sys
import time
import uuid

import httpx
import pytest

from ops import stack
from ops.stack import Process, free_port
from ops.supervise import Supervisor


def _wait(condition, timeout: float, what: str):
    """Poll `condition` until it returns something true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.3)
    raise AssertionError(f"{what} after {timeout} s")


def _answers(url: str) -> bool:
    """Whether the app's /livez answers."""
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def supervised(app_env, redis_prefix, tmp_path):
    """The real app and a process that always crashes, under supervisord in a folder of their own."""
    port = free_port()
    env = app_env | {"REDIS_PREFIX": f"{redis_prefix}v{uuid.uuid4().hex[:6]}", "KB_PRELOAD": "false"}
    app = stack.app_process(host="127.0.0.1", port=port, env=env)
    crasher = Process("crasher", [sys.executable, "-c", "import sys; sys.exit(3)"], lambda: False)
    supervisor = Supervisor([app, crasher], tmp_path / "supervisor")
    supervisor.start()
    try:
        supervisor.wait_ready(app, timeout=120)
        yield supervisor, f"http://127.0.0.1:{port}/livez"
    finally:
        supervisor.stop()


def test_a_killed_app_is_started_again(supervised):
    supervisor, livez = supervised
    first = supervisor.states()["app"]["pid"]
    os.kill(first, signal.SIGKILL)
    _wait(lambda: supervisor.states()["app"]["pid"] not in (0, first), 30, "the app was not restarted")
    assert _wait(lambda: _answers(livez), 120, "the restarted app did not answer")


def test_a_process_that_keeps_crashing_is_given_up_on_and_the_rest_keeps_running(supervised):
    supervisor, livez = supervised
    assert _wait(lambda: supervisor.given_up(), 60, "the crashing process was not given up on") == ["crasher"]
    assert _answers(livez) and supervisor.states()["app"]["statename"] == "RUNNING"
    assert "gave up: crasher entered FATAL state" in supervisor.log.read_text()


def test_stopping_supervisord_stops_every_process(supervised):
    supervisor, livez = supervised
    pid = supervisor.states()["app"]["pid"]
    supervisor.stop()
    assert not supervisor.running() and not _answers(livez)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
