"""One loaded index version: its segments with tombstones applied, the head, the calibration; searched read-only."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrieval.analysis import analyzer_for
from retrieval.articles import Article
from retrieval.calibration import fuse, query_codes
from retrieval.chunking import excerpt
from retrieval.confidence import Calibration, features
from retrieval.head import Head, prototypes
from retrieval.lexical import LexicalView
from retrieval.segments import Segment
from retrieval.store import IndexStore
from retrieval.vocabulary import Vocabulary

DENSE_K = 32
CANDIDATES = 10


@dataclass
class Hit:
    """One article found for a query, with its fused score and the snippet of its passage nearest the query."""

    article: Article
    score: float
    snippet: str


@dataclass
class Found:
    """A search's ranked hits and the two calibrated probabilities (best is right; right one in the first three)."""

    hits: list[Hit]
    confidence: float
    in_top3: float


class Snapshot:
    """An index version in memory. Immutable once built: searches never see a half-applied change."""

    def __init__(self, store: IndexStore, version: str, previous: Snapshot | None = None) -> None:
        self.store, self.version = store, version
        self.manifest = store.manifest(version)
        reuse = {seg.id: seg for seg in previous.segments} if previous else {}
        self.segments = [reuse.get(s["id"]) or Segment(store.segments / s["id"]) for s in self.manifest["segments"]]
        self.calibration = Calibration.from_dict(self.manifest["calibration"])
        self.analyzer = analyzer_for(self.manifest.get("language"))  # an index written before languages: English
        self.articles: list[Article] = []
        self.location: dict[str, tuple[int, int]] = {}
        self.alive, self.entry_article, self.article_rows = [], [], []
        for number, (segment, spec) in enumerate(zip(self.segments, self.manifest["segments"], strict=True)):
            dead = set(spec["dead"])
            global_ids = np.full(len(segment.articles), -1, dtype=np.int64)
            for local, article in enumerate(segment.articles):
                if article.id not in dead:
                    global_ids[local] = len(self.articles)
                    self.location[article.id] = (number, local)
                    self.articles.append(article)
            entry_article = global_ids[segment.entry_article]
            self.entry_article.append(entry_article)
            self.alive.append(entry_article >= 0)
            filled = segment.starts[:-1] < segment.starts[1:]
            owners = global_ids[filled]
            self.article_rows.append((segment.starts[:-1][filled], np.flatnonzero(owners >= 0), owners[owners >= 0]))
        self.lexical = LexicalView([s.lexical for s in self.segments], self.alive, self.analyzer)
        words = (word for segment in self.segments for word in segment.lexical.vocab)
        self.vocabulary = Vocabulary(words, self.analyzer)
        self.head = self._load_head()

    def _load_head(self) -> Head | None:
        """The saved head, with prototype rows for articles added or changed since it was fit."""
        if not self.manifest.get("head"):
            return None
        saved = np.load(self.store.heads / self.manifest["head"])
        rows = {(i, h): n for n, (i, h) in enumerate(zip(saved["ids"].tolist(), saved["hashes"].tolist(), strict=True))}
        weights = np.empty((len(self.articles), saved["weights"].shape[1]), dtype=np.float32)
        bias = np.full(len(self.articles), float(saved["bias"].mean()), dtype=np.float32)
        for number, article in enumerate(self.articles):
            row = rows.get((article.id, self.hash_of(article.id)))
            if row is not None:
                weights[number], bias[number] = saved["weights"][row], saved["bias"][row]
            else:
                vectors = self.entry_vectors(article.id)
                weights[number] = prototypes(vectors, np.zeros(len(vectors), dtype=np.int64), 1)[0]
        return Head(weights, bias)

    def hash_of(self, article_id: str) -> str:
        """The content hash of a live article."""
        segment, local = self.location[article_id]
        return self.segments[segment].hashes[local]

    def entry_vectors(self, article_id: str) -> np.ndarray:
        """The embeddings of a live article's entries."""
        segment, local = self.location[article_id]
        seg = self.segments[segment]
        return np.asarray(seg.vectors[seg.starts[local] : seg.starts[local + 1]])

    def search(self, query: np.ndarray, text: str, top_k: int) -> Found:
        """The best max(`top_k`, 3) articles for an embedded query, best first, with the calibrated probabilities."""
        count = len(self.articles)
        if count == 0:
            return Found([], 0.0, 0.0)
        dense: dict[int, float] = {}
        for segment, alive, entry_article in zip(self.segments, self.alive, self.entry_article, strict=True):
            rows, cos = segment.search(query, DENSE_K, None if alive.all() else alive)
            for article, value in zip(entry_article[rows].tolist(), cos.tolist(), strict=True):
                dense[article] = max(value, dense.get(article, -1.0))
        candidates = set(sorted(dense, key=dense.__getitem__, reverse=True)[:CANDIDATES])
        log_prob, head_logit = np.zeros(count), 0.0
        if self.head is not None:
            log_probs, head_logits = self.head.scores(query[None, :])
            log_prob, head_logit = log_probs[0], float(head_logits[0])
            candidates.update(_best(log_prob, CANDIDATES))
        lexical = np.zeros(count)
        for scores, (first_rows, live, owners) in zip(self.lexical.scores(text), self.article_rows, strict=True):
            if len(first_rows):
                lexical[owners] = np.maximum.reduceat(scores, first_rows)[live]  # each article's entries are contiguous
        candidates.update(_best(lexical, CANDIDATES if lexical.any() else 0))
        chosen = np.fromiter(candidates, dtype=np.int64)
        best_cos, passages = zip(*(self._best_entry(int(a), query) for a in chosen), strict=True)
        beta, codes = self.analyzer.lexical_weight, self._code_in_title(text, chosen)
        fused = fuse(log_prob[chosen], np.asarray(best_cos), lexical[chosen], beta, codes)
        order = np.argsort(-fused)
        top = np.full(3, -np.inf)
        top[: min(3, len(order))] = fused[order[:3]]
        best = order[0]
        unknown = self.vocabulary.unknown_share(text)
        x = features(top[None, :], [best_cos[best]], [lexical[chosen[best]]], [unknown], [head_logit])
        hits = [
            Hit(self.articles[chosen[i]], float(fused[i]), self._snippet(int(chosen[i]), passages[i]))
            for i in order[: max(top_k, 3)]
        ]
        confidence, in_top3 = self.calibration.confidences(x)
        return Found(hits, float(confidence[0]), float(in_top3[0]))

    def _code_in_title(self, text: str, chosen: np.ndarray) -> np.ndarray:
        """1.0 for each candidate whose title holds a code from the query (letters and digits, like E-204)."""
        codes = query_codes(text, self.analyzer)
        if not codes:
            return np.zeros(len(chosen))
        titles = (set(self.analyzer.terms(self.articles[a].title)) for a in chosen)
        return np.array([bool(codes & title) for title in titles], dtype=np.float64)

    def _best_entry(self, number: int, query: np.ndarray) -> tuple[float, int]:
        """(best cosine over an article's entries, the row of its passage nearest the query, or -1 if it has none)."""
        segment, local = self.location[self.articles[number].id]
        seg = self.segments[segment]
        start, end = seg.starts[local], seg.starts[local + 1]
        cos = np.asarray(seg.vectors[start:end]) @ query
        chunk = np.flatnonzero(seg.kinds[start:end] == "chunk")
        return float(cos.max()), int(start + chunk[np.argmax(cos[chunk])]) if len(chunk) else -1

    def _snippet(self, number: int, row: int) -> str:
        """The excerpt of an article's passage at `row` of its segment ("" for an article without a body)."""
        if row < 0:
            return ""
        return excerpt(self.segments[self.location[self.articles[number].id][0]].plains[row])


def _best(values: np.ndarray, k: int) -> list[int]:
    """The positions of the `k` largest values, in no particular order (all of them when there are fewer)."""
    if k >= len(values):
        return list(range(len(values)))
    return np.argpartition(-values, k)[:k].tolist() if k else []
