"""The widget embedded on another site: the sites in WIDGET_ORIGINS get the chat API (with CORS) and the socket;
a page of any other site is refused, and clients that are not pages (no Origin) are served as before."""

import pytest
from starlette.websockets import WebSocketDisconnect

from tests.conftest import app_client

SHOP = "https://shop.example.com"
ELSEWHERE = "https://evil.example.net"


@pytest.fixture
def client(own_queue, monkeypatch):
    """The app with the shop allowed to embed the widget."""
    with app_client(monkeypatch, widget_origins=f'["{SHOP}/"]') as test_client:
        yield test_client


def test_an_allowed_site_opens_a_chat_and_reads_the_answer(client):
    asking = {"Origin": SHOP, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    preflight = client.options("/api/conversations", headers=asking)
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == SHOP
    opened = client.post("/api/conversations", headers={"Origin": SHOP})
    assert opened.status_code == 201 and opened.headers["access-control-allow-origin"] == SHOP


def test_another_site_is_refused_naming_the_setting_and_nothing_is_stored(client):
    asking = {"Origin": ELSEWHERE, "Access-Control-Request-Method": "POST"}
    preflight = client.options("/api/conversations", headers=asking)  # passes, so the page can read the refusal
    assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == ELSEWHERE
    refused = client.post("/api/conversations", headers={"Origin": ELSEWHERE})
    assert refused.status_code == 403 and "WIDGET_ORIGINS" in refused.json()["detail"]
    opened = client.post("/api/conversations").json()  # not a page: served
    said = client.post(
        f"/api/conversations/{opened['conversation_id']}/messages",
        json={"text": "hello"},
        headers={"Authorization": f"Bearer {opened['token']}", "Origin": ELSEWHERE},
    )
    assert said.status_code == 403
    transcript = client.get(
        f"/api/conversations/{opened['conversation_id']}/messages?after=0",
        headers={"Authorization": f"Bearer {opened['token']}"},
    )
    assert transcript.json()["messages"] == []


def test_the_socket_takes_the_allowed_site_and_this_site_and_refuses_another(client):
    opened = client.post("/api/conversations").json()
    url = f"/ws/conversations/{opened['conversation_id']}"
    for origin in (SHOP, "https://testserver"):
        with client.websocket_connect(url, headers={"Origin": origin}) as ws:
            ws.send_json({"type": "hello", "token": opened["token"]})
            assert ws.receive_json() == {"type": "state", "state": "bot"}
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect(url, headers={"Origin": ELSEWHERE}):
        pass
    assert closed.value.code == 4403


def test_staff_routes_give_no_other_site_cors(client):
    answer = client.get("/api/desk/queue", headers={"Origin": SHOP})
    assert "access-control-allow-origin" not in answer.headers
