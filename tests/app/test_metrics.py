"""/metrics: what the app did shows in Prometheus format; in production only to the ops token."""

import re

from tests.conftest import app_client

BOT = {"Authorization": "Bearer test-bot-token"}


def _value(text: str, name: str, **labels: str) -> float:
    """One sample's value from the exposition (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))  # the exposition sorts labels
    found = re.search(rf"^{name}\{{{re.escape(wanted)}\}} (\S+)$", text, re.M) if labels else None
    found = found or re.search(rf"^{name} (\S+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


def test_messages_searches_and_handoffs_are_counted(client):
    before = client.get("/metrics").text
    opened = client.post("/api/conversations").json()
    customer = {"Authorization": f"Bearer {opened['token']}"}
    client.post(f"/api/conversations/{opened['conversation_id']}/messages", json={"text": "hello"}, headers=customer)
    client.post("/api/kb/search", json={"query": "refund"})
    body = {"conversation_id": opened["conversation_id"], "reason": "customer_request", "packet": {}}
    client.post("/api/bot/handoff", json=body, headers=BOT)
    after = client.get("/metrics")
    assert after.headers["content-type"].startswith("text/plain")
    text = after.text
    assert (
        _value(text, "swarmdesk_messages_total", sender="customer")
        == _value(before, "swarmdesk_messages_total", sender="customer") + 1
    )
    assert _value(text, "swarmdesk_kb_search_seconds_count") == _value(before, "swarmdesk_kb_search_seconds_count") + 1
    handoffs = {"reason": "customer_request", "outcome": "no_agent"}
    assert (
        _value(text, "swarmdesk_handoffs_total", **handoffs)
        == _value(before, "swarmdesk_handoffs_total", **handoffs) + 1
    )


def test_in_production_metrics_need_the_ops_token(monkeypatch, own_queue):
    with app_client(monkeypatch, swarmdesk_env="production", ops_token="ops-secret") as client:
        assert client.get("/metrics").status_code == 404
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
        shown = client.get("/metrics", headers={"Authorization": "Bearer ops-secret"})
    assert shown.status_code == 200 and "swarmdesk_messages_total" in shown.text
