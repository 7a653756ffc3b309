"""Re-indexing: incremental embedding, broken files, article updates, atomic switches under load, reloads."""

import shutil
import threading
import time
from pathlib import Path

from retrieval.articles import Article, load_kb
from retrieval.chunking import entries_for
from retrieval.embedder import default_model_dir
from retrieval.retriever import Retriever
from retrieval.sync import IndexWatcher
from tests.retrieval.sample_kb import write_article


def test_incremental_reindex_embeds_only_the_changed_article(built, kb_dir: Path):
    refunds = kb_dir / "refunds.md"
    refunds.write_text(refunds.read_text().replace("5 business days", "3 business days"))
    articles, _ = load_kb(kb_dir)
    result = built.reindex(articles)
    changed = next(a for a in articles if a.id == "refunds")
    assert result.embedded == ["refunds"]
    newest = built._snapshot.segments[-1]  # only the changed article was embedded, into a segment of its own
    assert [a.id for a in newest.articles] == ["refunds"] and len(newest) == len(entries_for(changed))
    assert "3 business days" in built.get_article("refunds").body
    again = built.reindex(articles)
    assert again.embedded == [] and again.version == result.version


def test_removed_file_leaves_the_index(built, kb_dir: Path):
    (kb_dir / "invoices.md").unlink()
    result = built.reindex(load_kb(kb_dir)[0])
    assert result.removed == ["invoices"] and built.get_article("invoices") is None
    assert all(h["article_id"] != "invoices" for h in built.search("where is my invoice", top_k=7)["hits"])


def test_broken_file_is_reported_others_indexed_last_good_version_stays(built, kb_dir: Path):
    (kb_dir / "refunds.md").write_text("---\nid: refunds\ntitle: [broken\n---\nnew text\n")
    write_article(kb_dir, "gift-cards", "Gift cards", ["billing"], ["can I pay with a gift card"], "Yes, at checkout.")
    articles, errors = load_kb(kb_dir)
    result = built.reindex(articles, errors)
    assert [(Path(e["path"]).name, e["line"]) for e in result.errors] == [("refunds.md", 3)]
    assert result.kept_from_last_good == ["refunds"] and result.embedded == ["gift-cards"]
    assert "5 business days" in built.get_article("refunds").body
    assert built.search("pay with a gift card")["hits"][0]["article_id"] == "gift-cards"


def test_upsert_and_remove_are_searchable_at_once(built):
    version = built.version
    article = Article(
        id="pet-mode",
        title="Pet mode for motion sensors",
        body="Pet mode ignores animals under 25 kg.",
        questions=("my cat sets off the motion sensor",),
    )
    started = time.perf_counter()
    built.upsert(article)
    assert time.perf_counter() - started < 2.0
    assert built.version != version
    assert built.search("the dog triggers my motion sensor")["hits"][0]["article_id"] == "pet-mode"
    built.remove("pet-mode")
    assert built.get_article("pet-mode") is None and len(built.articles()) == 8


def test_atomic_switch_under_concurrent_searches(built, kb_dir: Path, embedder):
    old_ids = {a.id for a in built.articles()}
    write_article(kb_dir, "gift-cards", "Gift cards", ["billing"], ["can I pay with a gift card"], "Yes, at checkout.")
    new_articles = load_kb(kb_dir)[0]
    other = Retriever.open(built.store.root, embedder=embedder)  # a second worker on the same folder
    failures, seen = [], set()
    stop = threading.Event()

    def search_loop(retriever: Retriever) -> None:
        while not stop.is_set():
            try:
                ids = {a.id for a in retriever.articles()}
                assert ids in (old_ids, old_ids | {"gift-cards"}), ids  # never half an index
                hits = retriever.search("can I pay with a gift card", top_k=9)["hits"]
                assert len(hits) in (8, 9) and len({h["article_id"] for h in hits}) == len(hits)
                seen.add(len(hits))
            except Exception as exc:  # collected and reported by the main thread
                failures.append(repr(exc))

    threads = [threading.Thread(target=search_loop, args=(r,)) for r in (built, built, other)]
    for thread in threads:
        thread.start()
    for _ in range(3):
        built.reindex(new_articles)
        other.reload()
        built.remove("gift-cards")
        other.reload()
    built.reindex(new_articles)
    other.reload()
    stop.set()
    for thread in threads:
        thread.join()
    assert failures == []
    assert seen == {8, 9} and other.version == built.version


def test_watcher_reloads_from_the_pointer_file_without_redis(built, embedder):
    other = Retriever.open(built.store.root, embedder=embedder)
    watcher = IndexWatcher(other, interval=0.1).start()
    try:
        built.upsert(Article(id="x-new", title="Night light schedule", body="Set it in the app."))
        deadline = time.monotonic() + 5
        while other.version != built.version and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        watcher.stop()
    assert other.get_article("x-new") is not None


def test_a_tuned_model_is_followed_by_readers_and_dropped_when_the_base_model_changes(
    built, kb_dir: Path, embedder, tmp_path: Path
):
    reader = Retriever.open(built.store.root, embedder=embedder)  # another worker, on the base model
    articles = load_kb(kb_dir)[0]
    built.reindex(articles, tune="always")
    assert built.embedder.model_dir != embedder.model_dir  # the writer now embeds with the tuned model
    assert reader.reload() and reader.embedder.model_dir == built.embedder.model_dir
    asked = "where can I download my invoice"
    assert reader.search(asked) == built.search(asked) and reader.search(asked)["hits"][0]["article_id"] == "invoices"
    assert reader.base_embedder is embedder and built.base_embedder is embedder  # shared with other indexes
    other_base = shutil.copytree(default_model_dir(), tmp_path / "other-model")
    (other_base / "NOTE.txt").write_text("another base model")  # another content key
    moved = Retriever.open(built.store.root, model_dir=other_base, create=True)
    moved.reindex(articles)  # too small a KB to tune: the base model alone, not the old tuned one
    assert moved.embedder.model_dir == other_base and moved.search(asked)["hits"][0]["article_id"] == "invoices"
