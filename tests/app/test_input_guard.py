"""Request bodies over the size limit are refused with 413 before the app reads them; smaller ones are read."""

MIB = 1024 * 1024


def _chunks(total: int, size: int = MIB):
    """`total` bytes of a JSON-looking body, streamed in chunks (sent with Transfer-Encoding: chunked)."""
    yield b'{"text": "'
    for _ in range(total // size):
        yield b"x" * size
    yield b'"}'


def test_a_declared_body_over_the_limit_gets_413_naming_it(client):
    huge = b'{"text": "' + b"x" * (3 * MIB) + b'"}'
    refused = client.post("/api/conversations", content=huge, headers={"Content-Type": "application/json"})
    assert refused.status_code == 413 and refused.json()["detail"] == "the request body is over the limit of 2 MiB"


def test_a_streamed_body_is_cut_off_at_the_limit(client):
    opened = client.post("/api/conversations").json()
    headers = {"Authorization": f"Bearer {opened['token']}", "Content-Type": "application/json"}
    url = f"/api/conversations/{opened['conversation_id']}/messages"
    refused = client.post(url, content=_chunks(150 * MIB), headers=headers)
    assert refused.status_code == 413 and "2 MiB" in refused.json()["detail"]
    assert client.get(f"{url}?after=0", headers=headers).json()["messages"] == []  # nothing was stored


def test_a_body_under_the_limit_is_read_and_validated_as_usual(client):
    opened = client.post("/api/conversations").json()
    headers = {"Authorization": f"Bearer {opened['token']}"}
    url = f"/api/conversations/{opened['conversation_id']}/messages"
    too_long = client.post(url, json={"text": "x" * MIB}, headers=headers)
    assert too_long.json()["detail"] == f"text: {MIB} characters is over the limit of 4000"  # read, then judged
