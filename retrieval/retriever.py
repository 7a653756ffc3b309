"""The public face of the index: open, search, article updates, re-index, reload."""

from __future__ import annotations

import math
import os
import threading
import time
import uuid
from collections.abc import Sequence
from contextlib import AbstractContextManager
from functools import cache
from pathlib import Path

import numpy as np

from retrieval.articles import Article, ArticleError
from retrieval.build import BuildResult, Progress, index_analyzer, write_version
from retrieval.confidence import ANSWER_AT, decide
from retrieval.embedder import BACKEND_ENV, Embedder, is_multilingual_use, model_dir_for, model_key
from retrieval.snapshot import Snapshot
from retrieval.store import IndexNotFound, IndexStore
from retrieval.trial import trial
from retrieval.tuning import tune as tune_model
from retrieval.tuning import worth_tuning

MAX_QUERY_CHARS = 2000
MAX_TOP_K = 50
THRESHOLD_ENV = "SWARMDESK_ANSWER_THRESHOLD"


class QueryError(ValueError):
    """A query the API answers with 422 (empty, whitespace only, or a bad top_k)."""


class Retriever:
    """Search one index folder and keep it up to date. Thread-safe: searches run while a new version loads."""

    def __init__(
        self,
        store: IndexStore,
        embedder: Embedder,
        snapshot: Snapshot,
        *,
        base_model_dir: Path,
        threshold: float | None,
    ) -> None:
        self.store, self.embedder, self._snapshot = store, embedder, snapshot
        self.base_model_dir = base_model_dir
        self._base = embedder if embedder.model_dir == base_model_dir else None
        env = os.environ.get(THRESHOLD_ENV)
        self.threshold = threshold if threshold is not None else float(env) if env else ANSWER_AT
        self._write_lock = threading.Lock()

    @classmethod
    def open(
        cls,
        index_dir: str | Path,
        *,
        model_dir: str | Path | None = None,
        backend: str | None = None,
        threads: int | None = None,
        threshold: float | None = None,
        create: bool = False,
        embedder: Embedder | None = None,
    ) -> Retriever:
        """Open the live version of an index.

        Args:
            index_dir: The index folder.
            model_dir: The model folder. Defaults to the model of the index's language (`model_dir_for`:
                `$SWARMDESK_EMBEDDING_MODEL`, else the packaged all-MiniLM-L6-v2, or the packaged multilingual
                model for Dutch and Italian). An index whose model was tuned on its KB uses its own copy.
            backend: "onnx", "onnx-int8" or "torch". Defaults to `$SWARMDESK_EMBEDDING_BACKEND`, else the
                backend the index was built with, else "onnx".
            threads: Threads for the model and FAISS. Defaults to `$SWARMDESK_RETRIEVAL_THREADS` or min(4, CPUs).
            threshold: Confidence from which a query is answered outright (a calibrated probability).
                Defaults to `$SWARMDESK_ANSWER_THRESHOLD`, else 0.7.
            create: For writers: start an empty index if the folder has none, and accept an index built
                with another model (the next re-index embeds everything again). Defaults to False.
            embedder: An already loaded embedder of the base model to share (tests, several indexes).

        Raises:
            IndexNotFound: when the folder holds no index and `create` is False.
        """
        store = IndexStore(index_dir)
        version = store.current()
        if version is None and not create:
            store.require_current()
        manifest = store.manifest(version) if version else {}
        model = manifest.get("model", {})
        named = Path(model_dir) if model_dir else model_dir_for(manifest.get("language"))
        base_dir = embedder.model_dir if embedder else named
        backend = backend or os.environ.get(BACKEND_ENV) or model.get("backend")
        if (tuned := _tuned_folder(store, model)) is not None:
            embedder = _stored_embedder(store, tuned, backend, threads or (embedder.threads if embedder else None))
        elif embedder is None:
            embedder = _stored_embedder(store, base_dir, backend, threads)
        if version is None:
            with store.writing():
                version = write_version(store, embedder, previous=None, articles=[]).version
        elif model["key"] != embedder.key and not create:
            raise ValueError(f"index {store.root} was built with another embedding model; re-index it")
        return cls(store, embedder, Snapshot(store, version), base_model_dir=base_dir, threshold=threshold)

    @property
    def version(self) -> str:
        """The version being searched."""
        return self._snapshot.version

    @property
    def built_with_another_model(self) -> bool:
        """Whether the live version was embedded by another model than this retriever's (opened with `create`
        after the model setting changed): it must be re-indexed before it is searched."""
        return self._snapshot.manifest["model"]["key"] != self.embedder.key

    def search(self, query: str, top_k: int = 5, *, vector: np.ndarray | None = None) -> dict:
        """Search; returns {"query", "decision", "answerable", "confidence", "offered", "hits"} (+ "note" if cut).

        `decision` is "answer", "clarify" or "none"; `offered` the articles offered (1, 2–3 or none), shaped
        like the hits: {"article_id", "title", "tags", "score", "snippet", "url"}. `answerable` is true exactly
        for "answer"; `confidence` is the calibrated probability that the first hit is right, and its `score`.
        `vector` is the query's embedding by this index's embedder (`embedder.encode_query`), for a caller that
        searches the same question more than once; a query that is cut is embedded afresh.

        Raises:
            QueryError: for an empty or whitespace-only query, or top_k outside 1..50.
        """
        text = (query or "").strip()
        if not text:
            raise QueryError("the query is empty")
        if not 1 <= top_k <= MAX_TOP_K:
            raise QueryError(f"top_k must be between 1 and {MAX_TOP_K}")
        result: dict = {}
        if len(text) > MAX_QUERY_CHARS:
            text, vector = text[:MAX_QUERY_CHARS], None
            result["note"] = f"the query was cut to its first {MAX_QUERY_CHARS:,} characters"
        found = self._snapshot.search(self.embedder.encode_query(text) if vector is None else vector, text, top_k)
        decision, offered = decide(found.confidence, found.in_top3, [h.score for h in found.hits], self.threshold)
        hits = [
            {
                "article_id": hit.article.id,
                "title": hit.article.title,
                "tags": list(hit.article.tags),
                "score": round(found.confidence * math.exp(hit.score - found.hits[0].score), 4),
                "snippet": hit.snippet,
                "url": hit.article.url,
            }
            for hit in found.hits
        ]
        return {
            "query": text,
            "decision": decision,
            "answerable": decision == "answer",
            "confidence": round(found.confidence, 4),
            "offered": hits[:offered],
            "hits": hits[:top_k],
        } | result

    def trial(self, article: Article) -> AbstractContextManager[Retriever]:
        """A scratch copy of this index with `article` added or replaced, to search what publishing it would change;
        the live index is untouched and the copy is deleted on leaving. IndexBusy if a writer got in the way."""
        return trial(self, self._snapshot, article)

    def articles(self) -> list[Article]:
        """Every article of the live version."""
        return list(self._snapshot.articles)

    def get_article(self, article_id: str) -> Article | None:
        """One live article, or None."""
        snapshot = self._snapshot
        location = snapshot.location.get(article_id)
        return snapshot.segments[location[0]].articles[location[1]] if location else None

    def reload(self) -> bool:
        """Load the version `CURRENT` names if it is not the one being searched; True if it changed."""
        for attempt in range(3):
            version = self.store.require_current()
            if version == self._snapshot.version:
                return False
            try:
                snapshot = Snapshot(self.store, version, self._snapshot)
                self.embedder = self._embedder_of(snapshot.manifest["model"])
                self._snapshot = snapshot
                return True
            except FileNotFoundError:  # deleted by a newer writer's clean-up meanwhile: read CURRENT again
                if attempt == 2:
                    raise
        return False

    def reindex(
        self,
        articles: Sequence[Article],
        errors: Sequence[ArticleError] = (),
        *,
        progress: Progress | None = None,
        tune: str = "auto",
    ) -> BuildResult:
        """Make `articles` the index (only changed ones are embedded), refit head and calibration, switch to it.

        Args:
            articles: Every article the index must hold.
            errors: Broken files; the last good version of their articles stays in the index.
            progress: Called as progress(phase, done, total).
            tune: "auto" (default) fine-tunes the model on the KB's questions the first time the KB has
                enough (`retrieval.tuning.worth_tuning`) and keeps that model for later incremental re-indexes;
                "always" tunes again now; "never" uses the base model. Tuning re-embeds every article.
        """
        with self._write_lock, self.store.writing():
            self.reload()
            started = time.perf_counter()
            embedder, base_key = self._choose_model(articles, tune, progress)
            quick = None
            if embedder is self.embedder and self._snapshot.articles:  # searchable first, refit after
                quick = write_version(
                    self.store,
                    embedder,
                    previous=self._snapshot,
                    articles=articles,
                    errors=errors,
                    progress=progress,
                    base_key=base_key,
                    refit=False,
                )
                if quick.version == self._snapshot.version:
                    return quick
                self._snapshot = Snapshot(self.store, quick.version, self._snapshot)
            searchable = time.perf_counter() - started
            result = write_version(
                self.store,
                embedder,
                previous=self._snapshot,
                articles=articles,
                errors=errors,
                progress=progress,
                base_key=base_key,
                force=quick is not None,
            )
            self.embedder = embedder
            if result.version != self._snapshot.version:
                self._snapshot = Snapshot(self.store, result.version, self._snapshot)
            if quick is not None:
                result.embedded, result.removed = quick.embedded, quick.removed
            result.searchable_seconds = searchable if quick is not None else time.perf_counter() - started
            result.seconds = time.perf_counter() - started
            return result

    def upsert(self, article: Article) -> str:
        """Add or replace one article now (head and calibration are refit by the next re-index); returns the version."""
        with self._write_lock, self.store.writing():
            self.reload()
            return self._update([a for a in self._snapshot.articles if a.id != article.id] + [article])

    def remove(self, article_id: str) -> str:
        """Remove one article now (no error if it is absent); returns the version."""
        with self._write_lock, self.store.writing():
            self.reload()
            return self._update([a for a in self._snapshot.articles if a.id != article_id])

    def _choose_model(
        self, articles: Sequence[Article], tune: str, progress: Progress | None
    ) -> tuple[Embedder, str | None]:
        """The embedder for a re-index (tuning a model first if wanted) and the key of the model it was tuned from."""
        model = self._snapshot.manifest["model"]
        embedder = self.embedder
        tuned = bool(model.get("tuned")) and embedder.model_dir != self.base_model_dir
        if tuned and model.get("base_key") != model_key(self.base_model_dir):  # the base model was changed
            tuned, embedder = False, self.base_embedder
        wanted = tune == "always" or (tune == "auto" and not tuned and worth_tuning(articles, index_analyzer(articles)))
        if wanted and not is_multilingual_use(self.base_model_dir):  # only sentence-transformers models are tuned
            folder = self.store.models / f"tuned-{uuid.uuid4().hex[:8]}"
            report = (lambda done, total: progress("tuning", done, total)) if progress else None
            tune_model(self.base_model_dir, folder, articles, threads=embedder.threads, progress=report)
            tuned_embedder = _stored_embedder(self.store, folder, embedder.backend, embedder.threads)
            return tuned_embedder, model_key(self.base_model_dir)
        if tuned and tune == "never":
            return self.base_embedder, None
        return embedder, model.get("base_key") if tuned else None

    @property
    def base_embedder(self) -> Embedder:
        """The base (untuned) model's embedder, loaded once: this index's own when it is not tuned, for other
        indexes of the same model to share."""
        if self._base is None:
            self._base = _stored_embedder(self.store, self.base_model_dir, self.embedder.backend, self.embedder.threads)
        return self._base

    def embedder_for(self, language: str) -> Embedder:
        """The base embedder for another index in `language`, loaded once: this index's base one when that language
        uses the same model (`model_dir_for`), else the language's own."""
        model_dir = model_dir_for(language)
        if model_dir == self.base_model_dir:
            return self.base_embedder
        return _shared_embedder(model_dir, self.embedder.backend, self.embedder.threads)

    def _embedder_of(self, model: dict) -> Embedder:
        """The embedder a version's manifest names: the current one, its tuned model, or the base model (another
        writer tuned the model, or went back to the base one)."""
        if model["key"] == self.embedder.key:
            return self.embedder
        if (tuned := _tuned_folder(self.store, model)) is not None:
            return _stored_embedder(self.store, tuned, self.embedder.backend, self.embedder.threads)
        return self.base_embedder

    def _update(self, articles: list[Article]) -> str:
        """Write a version holding `articles` without refitting (caller holds the locks) and switch to it."""
        previous = self._snapshot
        model = previous.manifest["model"]
        base_key = model.get("base_key") if model.get("tuned") else None
        result = write_version(
            self.store, self.embedder, previous=previous, articles=articles, refit=False, base_key=base_key
        )
        if result.version != previous.version:
            self._snapshot = Snapshot(self.store, result.version, previous)
        return result.version


def _tuned_folder(store: IndexStore, model: dict) -> Path | None:
    """The folder of the model a manifest says the index was tuned into (kept in the index folder), if it is there."""
    folder = store.models / model["tuned"] if model.get("tuned") else None
    return folder if folder is not None and folder.is_dir() else None


@cache
def _shared_embedder(model_dir: Path, backend: str, threads: int) -> Embedder:
    """One embedder per model in this process, for the indexes of the languages it serves."""
    return Embedder(model_dir, backend=backend, threads=threads)


def _stored_embedder(store: IndexStore, model_dir: Path, backend: str | None, threads: int | None) -> Embedder:
    """An embedder of `model_dir` whose ONNX export is kept in the index folder."""
    return Embedder(model_dir, backend=backend, threads=threads, export_root=store.models)


__all__ = ["IndexNotFound", "QueryError", "Retriever"]
