"""Production mode (SWARMDESK_ENV=production): no API docs, and /healthz names what is down without internals."""

import pytest

from tests.conftest import app_client


@pytest.mark.parametrize("env, shown", [("development", 200), ("production", 404)])
def test_api_docs_are_off_in_production(monkeypatch, own_queue, env, shown):
    with app_client(monkeypatch, swarmdesk_env=env) as client:
        assert [client.get(path).status_code for path in ("/docs", "/redoc", "/openapi.json")] == [shown] * 3


def test_healthz_in_production_says_down_without_the_error(monkeypatch, own_queue):
    with app_client(monkeypatch, swarmdesk_env="production", rasa_url="http://127.0.0.1:9") as client:
        report = client.get("/healthz")
    assert report.status_code == 503 and report.json()["rasa"] == "down"


def test_healthz_in_development_says_why(monkeypatch, own_queue):
    with app_client(monkeypatch, rasa_url="http://127.0.0.1:9") as client:
        assert client.get("/healthz").json()["rasa"].startswith("down: ConnectError")


def test_readyz_names_what_is_not_ready_and_in_production_only_to_the_ops_token(monkeypatch, own_queue):
    with app_client(monkeypatch, rasa_url="http://127.0.0.1:9") as client:
        report = client.get("/readyz")
    assert report.status_code == 503 and report.json()["rasa"].startswith("down") and report.json()["redis"] == "ok"
    with app_client(
        monkeypatch, swarmdesk_env="production", ops_token="ops-secret", rasa_url="http://127.0.0.1:9"
    ) as client:
        anonymous = client.get("/readyz")
        operator = client.get("/readyz", headers={"Authorization": "Bearer ops-secret"})
    assert anonymous.status_code == 503 and anonymous.json() == {"status": "degraded"}
    assert operator.status_code == 503 and operator.json()["rasa"].startswith("down: ConnectError")
