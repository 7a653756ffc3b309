"""The KB search API, editor-only re-index jobs and the public help centre, over a real index of a small KB."""

import shutil
import time
import uuid

import pytest

from ops import admin
from tests.conftest import app_client, metric
from tests.retrieval.sample_kb import ARTICLES, write_article


@pytest.fixture(scope="module")
def kb_source(tmp_path_factory):
    """A small Lumora KB folder, plus one article whose body tries to inject markup."""
    folder = tmp_path_factory.mktemp("kb")
    for article_id, (title, tags, questions, body) in ARTICLES.items():
        write_article(folder, article_id, title, tags, questions, body)
    write_article(
        folder,
        "markup-test",
        "Pair a Lumora Plug <b>fast</b>",
        ["plug"],
        ["how do I pair my plug"],
        "Hold the button for 5 seconds.\n\n<script>alert('x')</script>\n\n[bad link](javascript:alert(1))",
    )
    return folder


@pytest.fixture
def kb_client(app_env, kb_source, tmp_path, monkeypatch):
    """The app over its own copy of the KB and index folder (built on first use)."""
    kb = tmp_path / "kb"
    shutil.copytree(kb_source, kb)
    with app_client(monkeypatch, kb_dir=kb, index_dir=tmp_path / "index") as client:
        client.kb = kb
        yield client


def _editor_token() -> str:
    """An API token of a fresh editor account."""
    email = f"editor-{uuid.uuid4().hex[:6]}@lumora.example"
    admin.create_user(email, "Eddie Editor", ["editor"], "editor-password-1")
    return admin.create_token(email, "tests")


def test_search_answers_a_known_question_with_its_article(kb_client):
    response = kb_client.post("/api/kb/search", json={"query": "my hub says E-204", "top_k": 3})
    assert response.status_code == 200
    body = response.json()
    assert body["hits"][0]["article_id"] == "hub-e204"
    assert body["answerable"] is True
    assert body["hits"][0]["url"] == "/help/hub-e204"
    assert set(body) >= {"query", "answerable", "confidence", "hits"}


def test_search_rejects_an_empty_query_and_cuts_a_long_one(kb_client):
    empty = kb_client.post("/api/kb/search", json={"query": "   "})
    assert empty.status_code == 422 and empty.json()["detail"][0]["loc"] == ["body", "query"]
    long = kb_client.post("/api/kb/search", json={"query": "refund " * 400})
    assert long.status_code == 200 and "2,000" in long.json()["note"]
    bad_top_k = kb_client.post("/api/kb/search", json={"query": "refund", "top_k": 0})
    assert bad_top_k.status_code == 422 and "top_k" in str(bad_top_k.json()["detail"])


def test_reindex_needs_the_editor_role(kb_client):
    assert kb_client.post("/api/kb/reindex").status_code == 401
    agent_email = f"agent-{uuid.uuid4().hex[:6]}@lumora.example"
    admin.create_user(agent_email, "Alex Agent", ["agent"], "agent-password-1")
    agent = admin.create_token(agent_email, "tests")
    refused = kb_client.post("/api/kb/reindex", headers={"Authorization": f"Bearer {agent}"})
    assert refused.status_code == 403
    assert kb_client.get("/api/kb/reindex/nope", headers={"Authorization": f"Bearer {agent}"}).status_code == 403


def test_an_editor_reindexes_and_a_changed_article_is_answered(kb_client):
    auth = {"Authorization": f"Bearer {_editor_token()}"}
    kb_client.post("/api/kb/search", json={"query": "warm up"})  # opens (builds) the index first
    write_article(
        kb_client.kb,
        "hub-firmware",
        "Update the hub firmware",
        ["hub"],
        ["how do I update my hub", "new firmware for the hub"],
        "Open **Settings → Hub → Firmware** and tap **Update**. The hub restarts once.",
    )
    timed_before = metric(kb_client.get("/metrics").text, "swarmdesk_reindex_seconds_count", scope="all")
    started = kb_client.post("/api/kb/reindex", headers=auth)
    assert started.status_code == 202
    job_url = started.json()["status_url"]
    second = kb_client.post("/api/kb/reindex", headers=auth)
    job = kb_client.get(job_url, headers=auth).json()
    assert second.status_code == 409 or job["state"] == "succeeded"  # the first may already have finished
    for _ in range(600):
        job = kb_client.get(job_url, headers=auth).json()
        if job["state"] != "running":
            break
        time.sleep(0.1)
    assert job["state"] == "succeeded", job
    assert job["result"]["embedded"] == ["hub-firmware"]
    timed = metric(kb_client.get("/metrics").text, "swarmdesk_reindex_seconds_count", scope="all")
    assert timed == timed_before + 1  # the operator sees how long re-indexing took
    hits = kb_client.post("/api/kb/search", json={"query": "install the latest hub firmware"}).json()["hits"]
    assert hits[0]["article_id"] == "hub-firmware"
    assert kb_client.get("/api/kb/reindex/unknown-job", headers=auth).status_code == 404


def test_help_centre_lists_searches_and_renders_articles_without_raw_html(kb_client):
    listing = kb_client.get("/help")
    assert listing.status_code == 200 and "Hub error E-204" in listing.text
    assert "Pair a Lumora Plug &lt;b&gt;fast&lt;/b&gt;" in listing.text
    found = kb_client.get("/help", params={"q": "how long until I get my money back"})
    assert 'href="/help/refunds"' in found.text
    article = kb_client.get("/help/markup-test")
    assert article.status_code == 200
    assert "<script>" not in article.text and "&lt;script&gt;" in article.text
    assert 'href="javascript:' not in article.text and "bad link" in article.text
    assert kb_client.get("/help/no-such-article").status_code == 404


def test_while_another_worker_builds_the_index_a_search_gets_503_with_retry_after_then_its_answer(kb_client, tmp_path):
    from retrieval.store import IndexStore

    with IndexStore(tmp_path / "index").writing():  # another worker is building the empty index
        busy = kb_client.post("/api/kb/search", json={"query": "I forgot my password"})
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"
    assert "being built" in busy.json()["detail"]
    found = kb_client.post("/api/kb/search", json={"query": "I forgot my password"})
    assert found.status_code == 200 and found.json()["hits"][0]["article_id"] == "reset-password"


def test_the_bots_searches_are_limited_per_conversation_not_per_address(own_queue, kb_client, monkeypatch):
    from core.settings import get_settings

    monkeypatch.setenv("KB_SEARCHES_PER_MINUTE", "10")
    monkeypatch.setenv("KB_SEARCHES_PER_CONVERSATION_PER_MINUTE", "3")
    get_settings.cache_clear()
    bot = {"Authorization": "Bearer test-bot-token"}
    body = {"query": "my hub says E-204", "top_k": 1}
    codes = [
        kb_client.post("/api/kb/search", json=body | {"conversation_id": f"c-{i}"}, headers=bot).status_code
        for i in range(50)
    ]
    assert codes == [200] * 50
    one = [kb_client.post("/api/kb/search", json=body | {"conversation_id": "c-0"}, headers=bot) for _ in range(3)]
    assert [r.status_code for r in one] == [200, 200, 429]
    assert "searches in this conversation" in one[-1].json()["detail"] and int(one[-1].headers["Retry-After"]) > 0
    unnamed = kb_client.post("/api/kb/search", json=body, headers=bot)
    assert unnamed.status_code == 422 and unnamed.json()["detail"][0]["loc"] == ["body", "conversation_id"]
