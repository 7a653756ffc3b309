"""Per-address limits count the socket peer; a forwarded address only when the peer is a configured proxy."""

from tests.conftest import app_client


def _opened(client, forwarded_for: str) -> int:
    """The status of opening a conversation with this X-Forwarded-For."""
    return client.post("/api/conversations", headers={"X-Forwarded-For": forwarded_for}).status_code


def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(own_queue, monkeypatch):
    with app_client(monkeypatch, conversations_per_hour_per_ip=2) as client:
        codes = [_opened(client, address) for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3")]
    assert codes == [201, 201, 429]


def test_a_trusted_proxy_forwards_each_clients_own_address(own_queue, monkeypatch):
    with app_client(monkeypatch, conversations_per_hour_per_ip=2, trusted_proxies='["testclient"]') as client:
        others = [_opened(client, address) for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3")]
        same = [_opened(client, "203.0.113.9") for _ in range(3)]
    assert others == [201, 201, 201] and same == [201, 201, 429]
