"""Bringing up the production topology leaves nothing running when it cannot finish."""

import subprocess

import pytest

from ops import topology


def _missing() -> str:
    raise RuntimeError("nginx is missing")


def test_a_missing_nginx_stops_the_bring_up_before_supervisord_starts(tmp_path, monkeypatch):
    real_popen, supervisors = subprocess.Popen, []

    def popen(command, *args, **kwargs):
        if "supervisor.supervisord" in command:  # recorded, never started
            supervisors.append(command)
            raise OSError("the test does not start supervisord")
        return real_popen(command, *args, **kwargs)

    monkeypatch.setattr(topology, "nginx_binary", _missing)
    monkeypatch.setattr(subprocess, "Popen", popen)
    redis_url = "redis://127.0.0.1:6379/14"
    bring_up = topology.production_topology(tmp_path, kb_dir=tmp_path, redis_url=redis_url, prefix="t")
    with pytest.raises(RuntimeError, match="nginx is missing"), bring_up:
        pass
    assert supervisors == []
