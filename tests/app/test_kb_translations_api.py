"""The KB in the customer's language through the API: translations imported from `kb/translations/`, each language's
status per article, saving one (re-indexed at once), searching in a language, and English when a language has none."""

from pathlib import Path

import pytest

from retrieval import Article, Retriever, load_kb
from retrieval.embedder import Embedder, default_model_dir, model_dir_for
from tests.conftest import app_client, staff_auth
from tests.retrieval.sample_kb import ARTICLES, DUTCH, write_article

ITALIAN_REFUNDS = {
    "title": "Rimborsi",
    "body": "I rimborsi tornano sul metodo di pagamento originale entro 5 giorni lavorativi dal reso.",
    "questions": ["posso riavere i miei soldi", "quanto tempo ci vuole per un rimborso"],
}


def write_kb(folder: Path) -> None:
    """The sample KB, some of it in Dutch, as files."""
    for article_id, (title, tags, questions, body) in ARTICLES.items():
        write_article(folder, article_id, title, tags, questions, body)
    dutch = folder / "translations" / "nl"
    dutch.mkdir(parents=True)
    for article_id, (title, tags, questions, body) in DUTCH.items():
        write_article(dutch, article_id, title, tags, questions, body)


@pytest.fixture
def kb(own_queue, own_database, monkeypatch):
    """The app over a database, KB folder (the sample KB, some of it in Dutch) and indexes of its own."""
    write_kb(Path(own_database["kb_dir"]))
    with app_client(monkeypatch, **own_database, router_interval_seconds=3600) as client:
        yield client


@pytest.fixture
def editor():
    """An editor's bearer header."""
    return staff_auth("Eddie Editor", ["editor"])


def search(kb, query: str, **extra) -> dict:
    """A search's answer (200 expected)."""
    answer = kb.post("/api/kb/search", json={"query": query} | extra)
    assert answer.status_code == 200, answer.text
    return answer.json()


def statuses(kb, editor, article_id: str) -> dict[str, str]:
    """Each language's status of an article."""
    answer = kb.get(f"/api/kb/articles/{article_id}/translations", headers=editor)
    assert answer.status_code == 200, answer.text
    return {row["locale"]: row["status"] for row in answer.json()["translations"]}


def test_a_dutch_search_answers_with_the_dutch_article(kb):
    found = search(kb, "hoe lang duurt het voordat ik mijn geld terugkrijg", language="nl")
    assert found["language"] == "nl"
    assert found["hits"][0]["article_id"] == "refunds" and found["hits"][0]["title"] == "Terugbetalingen"
    assert kb.get("/api/kb/live/refunds?language=nl").json()["title"] == "Terugbetalingen"
    assert search(kb, "how long does a refund take")["language"] == "en"  # no language: English, as before


def test_a_dutch_index_the_english_model_embedded_is_embedded_again_by_the_multilingual_one(
    own_queue, own_database, monkeypatch
):
    write_kb(Path(own_database["kb_dir"]))  # indexes as an earlier release left them: both by the English model
    english_model = Embedder(default_model_dir())
    index = Path(own_database["index_dir"])
    Retriever.open(index, embedder=english_model, create=True).reindex(load_kb(own_database["kb_dir"])[0])
    older = Retriever.open(index / "nl", embedder=english_model, create=True)
    older.reindex([Article(i, t, b, tuple(tags), tuple(q), language="nl") for i, (t, tags, q, b) in DUTCH.items()])
    with app_client(monkeypatch, **own_database, router_interval_seconds=3600) as client:
        found = search(client, "hoe lang duurt het voordat ik mijn geld terugkrijg", language="nl")
    assert found["language"] == "nl" and found["hits"][0]["title"] == "Terugbetalingen"
    assert Retriever.open(index / "nl").embedder.key == Embedder(model_dir_for("nl")).key


def test_a_language_without_translations_is_searched_in_english_and_says_so(kb):
    found = search(kb, "how long does a refund take", language="fi")
    assert found["language"] == "en" and found["hits"][0]["title"] == "Refunds"
    assert kb.get("/api/kb/live/refunds?language=fi").json() | {"url": None} == {
        "article_id": "refunds",
        "title": "Refunds",
        "language": "en",
        "url": None,
    }


def test_each_language_is_missing_outdated_or_current_as_the_english_article_changes(kb, editor):
    search(kb, "warm up")  # the first use imports the KB folder and its translations
    assert statuses(kb, editor, "refunds") == {"nl": "current", "it": "missing", "fi": "missing"}
    article = kb.get("/api/kb/articles/refunds", headers=editor).json()
    edit = {"version": article["version"], "title": "Refunds", "body": "Refunds take up to 5 business days."}
    assert kb.put("/api/kb/articles/refunds", json=edit, headers=editor).status_code == 200
    assert statuses(kb, editor, "refunds") == {"nl": "outdated", "it": "missing", "fi": "missing"}
    saved = kb.put("/api/kb/articles/refunds/translations/nl", json=_dutch_refunds(), headers=editor)
    assert saved.status_code == 200, saved.text
    assert (
        saved.json()["status"] == "current" and saved.json()["translation"]["source_version"] == article["version"] + 1
    )
    assert saved.json()["translation"]["updated_by"] == "Eddie Editor"
    assert statuses(kb, editor, "refunds")["nl"] == "current"


def _dutch_refunds() -> dict:
    """The Dutch refunds article as a translator saves it."""
    title, _, questions, body = DUTCH["refunds"]
    return {"title": title, "body": body, "questions": questions}


def test_a_saved_translation_is_searchable_in_its_language_at_once_and_leaves_with_its_article(kb, editor):
    assert search(kb, "quanto tempo ci vuole per un rimborso", language="it")["language"] == "en"
    saved = kb.put("/api/kb/articles/refunds/translations/it", json=ITALIAN_REFUNDS, headers=editor)
    assert saved.status_code == 200, saved.text
    found = search(kb, "quanto tempo ci vuole per avere un rimborso", language="it")
    assert found["language"] == "it" and found["hits"][0]["title"] == "Rimborsi"
    version = kb.get("/api/kb/articles/refunds", headers=editor).json()["version"]
    archived = kb.post(
        "/api/kb/articles/refunds/status", json={"status": "archived", "version": version}, headers=editor
    )
    assert archived.status_code == 200, archived.text
    for language in ("en", "nl", "it"):
        hits = search(kb, "refund rimborso terugbetaling", language=language)["hits"]
        assert "refunds" not in [hit["article_id"] for hit in hits]
    assert kb.get("/api/kb/live/refunds?language=nl").status_code == 404


def test_bad_translations_and_languages_are_refused_naming_the_field(kb, editor):
    missing = kb.put("/api/kb/articles/no-such-article/translations/nl", json=_dutch_refunds(), headers=editor)
    assert missing.status_code == 404 and "no-such-article" in missing.json()["detail"]
    assert kb.get("/api/kb/articles/no-such-article/translations", headers=editor).status_code == 404
    for locale in ("de", "en"):  # not served; the source language, not a translation
        refused = kb.put(f"/api/kb/articles/refunds/translations/{locale}", json=_dutch_refunds(), headers=editor)
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["path", "locale"]
    empty = kb.put("/api/kb/articles/refunds/translations/nl", json=_dutch_refunds() | {"title": " "}, headers=editor)
    assert empty.status_code == 422 and empty.json()["detail"][0]["loc"] == ["body", "title"]
    unknown = kb.put("/api/kb/articles/refunds/translations/nl", json=_dutch_refunds() | {"tags": []}, headers=editor)
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "tags"]
    for language in ("de", "other", 1):
        refused = kb.post("/api/kb/search", json={"query": "refund", "language": language})
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "language"]
    assert kb.get("/api/kb/live/refunds?language=de").json()["detail"][0]["loc"] == ["query", "language"]


def test_only_editors_read_and_write_translations(kb):
    agent = staff_auth("Alex Agent", ["agent"])
    assert kb.get("/api/kb/articles/refunds/translations").status_code == 401
    assert kb.get("/api/kb/articles/refunds/translations", headers=agent).status_code == 403
    refused = kb.put("/api/kb/articles/refunds/translations/nl", json=_dutch_refunds(), headers=agent)
    assert refused.status_code == 403


def test_the_help_centre_speaks_the_readers_language_and_says_when_an_article_is_english_only(kb):
    search(kb, "warm up")  # the first use imports the KB folder and its translations
    index = kb.get("/help", params={"lang": "nl"}).text
    assert '<html lang="nl">' in index and "Zoeken in het helpcentrum" in index
    assert 'href="/help/refunds?lang=nl">Terugbetalingen</a>' in index
    assert 'href="/help/two-factor?lang=nl">Turn on two-factor authentication</a> <span class="in-english"' in index
    dutch = kb.get("/help/refunds", params={"lang": "nl"}).text
    assert '<h1 lang="nl">Terugbetalingen</h1>' in dutch and 'id="in-english"' not in dutch
    english_only = kb.get("/help/two-factor", params={"lang": "nl"}).text
    assert "niet beschikbaar in jouw taal" in english_only and '<h1 lang="en">Turn on two-factor' in english_only
    browser = kb.get("/help/refunds", headers={"Accept-Language": "nl-BE,nl;q=0.9,en;q=0.5"}).text
    assert "Terugbetalingen</h1>" in browser
    assert "Refunds</h1>" in kb.get("/help/refunds", params={"lang": "xx"}).text  # unserved: the browser's, English
    found = kb.get("/help", params={"lang": "nl", "q": "hoe lang duurt een terugbetaling"}).text
    assert 'href="/help/refunds?lang=nl">Terugbetalingen</a>' in found
    unsearched = kb.get("/help", params={"lang": "fi", "q": "how long does a refund take"}).text
    assert 'id="searched-in-english"' in unsearched and 'href="/help/refunds?lang=fi">Refunds</a>' in unsearched


def test_a_translation_older_than_its_article_says_so_on_the_help_page(kb, editor):
    search(kb, "warm up")
    article = kb.get("/api/kb/articles/refunds", headers=editor).json()
    edit = {"version": article["version"], "title": "Refunds", "body": "Refunds take up to 5 business days."}
    assert kb.put("/api/kb/articles/refunds", json=edit, headers=editor).status_code == 200
    page = kb.get("/help/refunds", params={"lang": "nl"}).text
    assert 'id="outdated"' in page and 'href="/help/refunds?lang=en"' in page
