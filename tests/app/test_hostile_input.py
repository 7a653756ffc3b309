"""Values the database or JSON cannot hold get 422 naming the field, never a 500, and nothing is stored."""

import pytest

HOSTILE = {
    "a NUL": ("hello\x00world", "NUL"),
    "a lone surrogate": ("hello \ud800", "surrogate"),
}


def _open(client) -> tuple[str, dict]:
    """A new conversation and its customer's header."""
    opened = client.post("/api/conversations").json()
    return opened["conversation_id"], {"Authorization": f"Bearer {opened['token']}"}


def _raw_json(text: str) -> bytes:
    """A JSON body whose "text" holds `text` escaped as a client would send it (a surrogate only escaped)."""
    escaped = "".join(f"\\u{ord(c):04x}" if ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
    return ('{"text": "' + escaped + '"}').encode()


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_customer_message_with_it_is_refused_and_not_stored(client, kind):
    value, said = HOSTILE[kind]
    conversation, customer = _open(client)
    url = f"/api/conversations/{conversation}/messages"
    refused = client.post(url, content=_raw_json(value), headers=customer | {"Content-Type": "application/json"})
    assert refused.status_code == 422 and said in refused.json()["detail"][0]["msg"]
    assert refused.json()["detail"][0]["loc"] == ["body", "text"]
    assert client.get(f"{url}?after=0", headers=customer).json()["messages"] == []


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_search_or_a_case_lookup_with_it_is_refused(client, kind):
    value, said = HOSTILE[kind]
    body = _raw_json(value).replace(b'"text"', b'"query"')
    refused = client.post("/api/kb/search", content=body, headers={"Content-Type": "application/json"})
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "query"]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(client, constant):
    body = ('{"query": "refund", "top_k": ' + constant + "}").encode()
    refused = client.post("/api/kb/search", content=body, headers={"Content-Type": "application/json"})
    assert refused.status_code == 422 and f"{constant} is not a JSON number" in refused.json()["detail"][0]["msg"]


def test_numbers_beyond_32_bits_are_refused_in_the_query_and_the_body(client):
    conversation, customer = _open(client)
    url = f"/api/conversations/{conversation}/messages"
    in_query = client.get(f"{url}?after={2**40}", headers=customer)
    assert in_query.status_code == 422 and in_query.json()["detail"][0]["loc"] == ["query", "after"]
    in_body = client.post("/api/kb/search", json={"query": "refund", "top_k": 2**63})
    assert in_body.status_code == 422 and in_body.json()["detail"][0]["loc"] == ["body", "top_k"]


def test_ordinary_text_with_accents_and_emoji_is_fine(client):
    conversation, customer = _open(client)
    sent = client.post(f"/api/conversations/{conversation}/messages", json={"text": "Héllo 👋 2^31"}, headers=customer)
    assert sent.status_code == 200


def test_digits_beyond_32_bits_in_a_message_are_ordinary_text(client):
    conversation, customer = _open(client)
    said = client.post(f"/api/conversations/{conversation}/messages", json={"text": "12345678901234"}, headers=customer)
    assert said.status_code == 200 and said.json()["messages"][0]["text"] == "12345678901234"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"query": "refund", "topk": 3}, "topk"), ({"query": "refund", "top_k": "3"}, "top_k"), ({"query": 7}, "query")],
)
def test_an_unknown_field_or_a_value_of_another_type_is_refused_naming_it(client, body, field):
    refused = client.post("/api/kb/search", json=body)
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", field]


def test_a_405_lists_every_method_of_the_path(client):
    wrong = client.delete("/api/admin/users")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "GET, POST"
    assert client.patch("/api/cases/lookup", json={}).status_code == 405  # not taken for a case number
