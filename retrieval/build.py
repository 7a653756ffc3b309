"""Write index versions: incremental (only changed articles are embedded), segment + tombstones, atomic switch."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from retrieval.analysis import Analyzer, analyzer_for
from retrieval.articles import Article, ArticleError
from retrieval.calibration import RECIPE as CALIBRATION_RECIPE
from retrieval.calibration import Entries, calibrate
from retrieval.chunking import Entry, entries_for
from retrieval.confidence import default_calibration
from retrieval.embedder import Embedder
from retrieval.head import entry_weights, fit_head, worth_fitting
from retrieval.segments import HNSW_MIN_ENTRIES, Segment, new_segment_id
from retrieval.snapshot import Snapshot
from retrieval.store import IndexStore
from retrieval.tuning import question_key, seen_by_tuning

RECIPE = 2  # how articles become entries; changing it re-embeds every article
COMPACT_DEAD_SHARE = 0.2
MAX_SEGMENTS = 8
Progress = Callable[[str, int, int], None]


@dataclass
class BuildResult:
    """What a re-index or update did; `errors` are the broken files (their articles' last good version stays).

    `searchable_seconds` is when the changed articles became searchable (before the refit), `seconds` the total.
    """

    version: str | None
    articles: int
    embedded: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept_from_last_good: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    segments: int = 0
    searchable_seconds: float | None = None
    calibration: dict | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict:
        """JSON-ready data."""
        return dict(self.__dict__)


def _plan(previous: Snapshot | None, articles: Sequence[Article], errors: Sequence[ArticleError]) -> tuple[list, list]:
    """The target articles: the given ones plus, for each broken file, the article it held in the last good version."""
    target = list(articles)
    kept = []
    if previous is not None:
        broken = {error.path for error in errors}
        present = {a.id for a in articles}
        for article in previous.articles:
            if article.source in broken and article.id not in present:
                target.append(article)
                kept.append(article.id)
    return target, kept


def index_analyzer(articles: Sequence[Article]) -> Analyzer:
    """The analyzer of the articles' language (the most common one when they mix; English for none)."""
    languages = Counter(article.language for article in articles).most_common(1)
    return analyzer_for(languages[0][0] if languages else "en")


def _reusable(previous: Snapshot | None, embedder: Embedder, analyzer: Analyzer) -> bool:
    """Whether the previous version's vectors and terms were made by this model, backend, entry recipe and analyzer."""
    if previous is None:
        return False
    model = previous.manifest["model"]
    return (
        model["key"] == embedder.key
        and model["backend"] == embedder.backend
        and previous.manifest["recipe"] == RECIPE
        and previous.analyzer == analyzer
    )


def _old_entries(previous: Snapshot, article_id: str) -> list[Entry]:
    """An unchanged article's entries as stored in its segment."""
    segment, local = previous.location[article_id]
    seg = previous.segments[segment]
    rows = range(seg.starts[local], seg.starts[local + 1])
    return [Entry(article_id, str(seg.kinds[r]), seg.texts[r], seg.plains[r]) for r in rows]


def write_version(
    store: IndexStore,
    embedder: Embedder,
    *,
    previous: Snapshot | None,
    articles: Sequence[Article],
    errors: Sequence[ArticleError] = (),
    refit: bool = True,
    progress: Progress | None = None,
    hnsw_min: int = HNSW_MIN_ENTRIES,
    base_key: str | None = None,
    force: bool = False,
) -> BuildResult:
    """Make `articles` (plus the last good version of each broken file's article) the live index.

    The caller holds `store.writing()`. Unchanged articles keep their vectors; changed and new ones are
    embedded into a new small segment and their old entries tombstoned, unless tombstones would exceed
    20% of the entries or 8 segments, when everything is compacted into one segment (reusing vectors).

    Args:
        store: The index folder.
        embedder: The model; vectors are reused only if the previous version used the same model and backend.
        previous: The live version, or None.
        articles: Every article the new version must hold.
        errors: Broken files found while loading the articles.
        refit: Refit the softmax head and the calibration (a re-index) or keep the previous ones (an
            article update, which must be fast). Defaults to True.
        progress: Called as progress(phase, done, total); phases "embedding", "calibrating", "writing".
        hnsw_min: Entries from which a segment gets an HNSW graph. Defaults to HNSW_MIN_ENTRIES.
        base_key: Key of the model the embedder was tuned from, if it was tuned. Defaults to None.
        force: Write a version even when no article changed (to refit). Defaults to False.
    """
    started = time.perf_counter()
    target, kept = _plan(previous, articles, errors)
    analyzer = index_analyzer(target)
    reuse = _reusable(previous, embedder, analyzer)
    old_hash = {a.id: previous.hash_of(a.id) for a in previous.articles} if reuse else {}
    changed = [a for a in target if old_hash.get(a.id) != a.content_hash]
    target_ids = {a.id for a in target}
    removed = [a.id for a in previous.articles if a.id not in target_ids] if previous else []
    result = BuildResult(None, len(target), [a.id for a in changed], removed, kept, [e.to_dict() for e in errors])
    current = previous is not None and previous.manifest.get("calibration_recipe") == CALIBRATION_RECIPE
    if current and reuse and not changed and not removed and not force:
        result.version, result.segments = previous.version, len(previous.segments)
        result.calibration = previous.manifest["calibration"]
        result.seconds = time.perf_counter() - started
        return result
    new_entries = [entry for article in changed for entry in entries_for(article)]
    report = (lambda done, total: progress("embedding", done, total)) if progress else None
    new_vectors = embedder.encode([e.text for e in new_entries], progress=report)
    if not new_entries:
        new_vectors = np.zeros((0, embedder.dim), dtype=np.float32)
    segments = _layout(
        store, previous if reuse else None, target, changed, removed, new_entries, new_vectors, hnsw_min, analyzer
    )
    head, calibration = (None, None) if refit else (previous.manifest.get("head"), previous.manifest["calibration"])
    if refit or previous is None:
        entries = _gather(store, segments, target, previous, analyzer)
        head, calibration = _fit(store, embedder, entries, target, progress, seen_by_tuning(embedder.model_dir))
    manifest = {
        "version": store.next_version(),
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "recipe": RECIPE,
        "language": analyzer.language,
        "calibration_recipe": CALIBRATION_RECIPE
        if refit or previous is None
        else previous.manifest.get("calibration_recipe"),
        "model": {
            "key": embedder.key,
            "name": embedder.model_dir.name,
            "backend": embedder.backend,
            "dim": embedder.dim,
            "base_key": base_key or embedder.key,
            "tuned": embedder.model_dir.name if base_key else None,
        },
        "segments": segments,
        "head": head,
        "calibration": calibration,
        "articles": len(target),
    }
    if progress:
        progress("writing", 1, 1)
    store.publish(manifest)
    result.version, result.segments, result.calibration = manifest["version"], len(segments), calibration
    result.seconds = time.perf_counter() - started
    return result


def _layout(store, previous, target, changed, removed, new_entries, new_vectors, hnsw_min, analyzer) -> list[dict]:
    """Write the new segment(s) and return the version's segment list with tombstones."""
    store.segments.mkdir(parents=True, exist_ok=True)
    replaced = {a.id for a in changed} | set(removed)
    if previous is not None:
        specs = []
        for segment, spec in zip(previous.segments, previous.manifest["segments"], strict=True):
            dead = set(spec["dead"]) | {a.id for a in segment.articles if a.id in replaced}
            specs.append({"id": segment.id, "dead": sorted(dead), "_seg": segment})
        total = sum(len(s["_seg"]) for s in specs) + len(new_entries)
        dead_entries = sum(
            int(np.isin([a.id for a in s["_seg"].articles], s["dead"])[s["_seg"].entry_article].sum()) for s in specs
        )
        if dead_entries <= COMPACT_DEAD_SHARE * total and len(specs) + bool(changed) <= MAX_SEGMENTS:
            specs = [{"id": s["id"], "dead": s["dead"]} for s in specs if len(s["dead"]) < len(s["_seg"].articles)]
            if changed:
                specs.append(_write_segment(store, changed, new_entries, new_vectors, hnsw_min, analyzer))
            return specs
    fresh = {a.id for a in changed}
    by_article: dict[str, list[Entry]] = {}
    for entry in new_entries:
        by_article.setdefault(entry.article_id, []).append(entry)
    entries, vectors, row = [], [], {id(e): i for i, e in enumerate(new_entries)}
    for article in target:
        if article.id in fresh:
            entries += by_article[article.id]
            vectors.append(new_vectors[[row[id(e)] for e in by_article[article.id]]])
        else:
            entries += _old_entries(previous, article.id)
            vectors.append(previous.entry_vectors(article.id))
    if not target:
        return []
    return [_write_segment(store, target, entries, np.concatenate(vectors), hnsw_min, analyzer)]


def _write_segment(store: IndexStore, articles, entries, vectors, hnsw_min, analyzer: Analyzer) -> dict:
    """Write one segment and return its spec."""
    segment_id = new_segment_id()
    Segment.write(store.segments / segment_id, articles, entries, vectors, hnsw_min=hnsw_min, analyzer=analyzer)
    return {"id": segment_id, "dead": []}


def _gather(
    store: IndexStore, specs: list[dict], target: Sequence[Article], previous: Snapshot | None, analyzer: Analyzer
) -> Entries | None:
    """All live entries of the new version, grouped by article in `target` order (None if there are none)."""
    if not target:
        return None
    loaded = {segment.id: segment for segment in previous.segments} if previous else {}
    where: dict[str, tuple[Segment, int]] = {}
    for spec in specs:
        segment = loaded.get(spec["id"]) or Segment(store.segments / spec["id"])
        dead = set(spec["dead"])
        for local, article in enumerate(segment.articles):
            if article.id not in dead:
                where[article.id] = (segment, local)
    vectors, labels, kinds, texts = [], [], [], []
    for number, article in enumerate(target):
        segment, local = where[article.id]
        start, end = segment.starts[local], segment.starts[local + 1]
        vectors.append(np.asarray(segment.vectors[start:end]))
        labels.append(np.full(end - start, number))
        kinds.extend(segment.kinds[start:end].tolist())
        texts.extend(segment.texts[start:end])
    return Entries(np.concatenate(vectors), np.concatenate(labels), np.asarray(kinds), texts, len(target), analyzer)


def _fit(
    store: IndexStore,
    embedder: Embedder,
    entries: Entries | None,
    target: Sequence[Article],
    progress,
    seen: tuple[set, set] | None,
) -> tuple[str | None, dict]:
    """Fit the head (when the index is small enough) and the calibration, on what model tuning did not see."""
    if entries is None:
        return None, default_calibration(with_head=False).to_dict()
    with_head = worth_fitting(len(entries.texts), entries.count)
    report = (lambda done, total: progress("calibrating", done, total)) if progress else None
    unseen_entries = unseen_articles = None
    if seen is not None:
        questions, trained = seen
        ids = [target[i].id for i in entries.articles]
        unseen_entries = np.array(
            [question_key(i, t) not in questions for i, t in zip(ids, entries.texts, strict=True)]
        )
        unseen_articles = np.array([a.id not in trained for a in target])
    calibration = calibrate(
        entries,
        embedder.encode,
        with_head=with_head,
        unseen_entries=unseen_entries,
        unseen_articles=unseen_articles,
        progress=report,
    )
    if not with_head:
        return None, calibration.to_dict()
    head = fit_head(entries.vectors, entries.articles, entries.count, weights=entry_weights(entries.kinds))
    store.heads.mkdir(parents=True, exist_ok=True)
    name = f"h{uuid.uuid4().hex[:12]}.npz"
    np.savez(
        store.heads / name,
        weights=head.weights,
        bias=head.bias,
        ids=np.array([a.id for a in target]),
        hashes=np.array([a.content_hash for a in target]),
    )
    return name, calibration.to_dict()
