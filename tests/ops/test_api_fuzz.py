"""The bounded schemathesis pass of `make test` (`make fuzz` runs it long): every check over every operation of the
spec, on a stack of its own, finds nothing. Its seed is fixed, so the same examples run each time and a red run
points at a change, not at luck; `make fuzz` explores with a new seed each run."""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.stack


def test_a_bounded_schemathesis_run_finds_no_failure():
    command = [sys.executable, "-m", "ops.fuzz", "--seconds", "100", "--examples", "10", "--seed", "20261206"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
