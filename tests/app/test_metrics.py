"""/metrics: what the app did shows in Prometheus format; in production only to the ops token."""

from tests.conftest import app_client, metric

BOT = {"Authorization": "Bearer test-bot-token"}


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
        metric(text, "swarmdesk_messages_total", sender="customer")
        == metric(before, "swarmdesk_messages_total", sender="customer") + 1
    )
    assert metric(text, "swarmdesk_kb_search_seconds_count") == metric(before, "swarmdesk_kb_search_seconds_count") + 1
    handoffs = {"reason": "customer_request", "outcome": "no_agent"}
    assert (
        metric(text, "swarmdesk_handoffs_total", **handoffs)
        == metric(before, "swarmdesk_handoffs_total", **handoffs) + 1
    )


def test_in_production_metrics_need_the_ops_token(monkeypatch, own_queue):
    with app_client(monkeypatch, swarmdesk_env="production", ops_token="ops-secret") as client:
        assert client.get("/metrics").status_code == 404
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
        shown = client.get("/metrics", headers={"Authorization": "Bearer ops-secret"})
    assert shown.status_code == 200 and "swarmdesk_messages_total" in shown.text
