"""One loaded index version: its segments with tombstones applied, the head, the calibration; searched read-only."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrieval.articles import Article
from retrieval.calibration import Calibration, fuse
from retrieval.chunking import shorten
from retrieval.head import Head, prototypes
from retrieval.lexical import LexicalView, tokenize
from retrieval.segments import Segment
from retrieval.store import IndexStore

DENSE_K = 32
CANDIDATES = 10


@dataclass
class Hit:
    """One article found for a query, with its fused score, calibrated confidence and snippet."""

    article: Article
    score: float
    confidence: float
    snippet: str


class Snapshot:
    """An index version in memory. Immutable once built: searches never see a half-applied change."""

    def __init__(self, store: IndexStore, version: str, previous: Snapshot | None = None) -> None:
        self.store, self.version = store, version
        self.manifest = store.manifest(version)
        reuse = {seg.id: seg for seg in previous.segments} if previous else {}
        self.segments = [reuse.get(s["id"]) or Segment(store.segments / s["id"]) for s in self.manifest["segments"]]
        self.calibration = Calibration(**self.manifest["calibration"])
        self.articles: list[Article] = []
        self.location: dict[str, tuple[int, int]] = {}
        self.alive, self.entry_article = [], []
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
        self.lexical = LexicalView([s.lexical for s in self.segments], self.alive)
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

    def search(self, query: np.ndarray, text: str, top_k: int) -> list[Hit]:
        """The best `top_k` articles for an embedded query, best first."""
        count = len(self.articles)
        if count == 0:
            return []
        dense: dict[int, float] = {}
        for segment, alive, entry_article in zip(self.segments, self.alive, self.entry_article, strict=True):
            rows, cos = segment.search(query, DENSE_K, None if alive.all() else alive)
            for article, value in zip(entry_article[rows].tolist(), cos.tolist(), strict=True):
                dense[article] = max(value, dense.get(article, -1.0))
        candidates = set(sorted(dense, key=dense.__getitem__, reverse=True)[:CANDIDATES])
        log_prob = np.zeros(count)
        if self.head is not None:
            log_prob = self.head.log_probs(query[None, :])[0]
            candidates.update(np.argsort(-log_prob)[:CANDIDATES].tolist())
        lexical = np.zeros(count)
        for scores, entry_article in zip(self.lexical.scores(text), self.entry_article, strict=True):
            matched = np.flatnonzero(scores)
            np.maximum.at(lexical, entry_article[matched], scores[matched])
        candidates.update(np.argsort(-lexical)[: CANDIDATES if lexical.any() else 0].tolist())
        chosen = np.fromiter(candidates, dtype=np.int64)
        best_cos, best_rows = zip(*(self._best_entry(int(a), query) for a in chosen), strict=True)
        fused = fuse(log_prob[chosen], np.asarray(best_cos), lexical[chosen], self._code_in_title(text, chosen))
        confidence = self.calibration.confidence(fused)
        order = np.argsort(-fused)[:top_k]
        return [
            Hit(
                self.articles[chosen[i]],
                float(fused[i]),
                float(confidence[i]),
                self._snippet(int(chosen[i]), best_rows[i]),
            )
            for i in order
        ]

    def _code_in_title(self, text: str, chosen: np.ndarray) -> np.ndarray:
        """1.0 for each candidate whose title holds a code from the query (letters and digits, like E-204)."""
        tokens = tokenize(text)
        codes = {token for token in tokens if any(c.isdigit() for c in token) and any(c.isalpha() for c in token)}
        if not codes:
            return np.zeros(len(chosen))
        return np.array([bool(codes & set(tokenize(self.articles[a].title))) for a in chosen], dtype=np.float64)

    def _best_entry(self, number: int, query: np.ndarray) -> tuple[float, int]:
        """(best cosine, its row in the segment) over an article's entries."""
        segment, local = self.location[self.articles[number].id]
        seg = self.segments[segment]
        start = seg.starts[local]
        cos = np.asarray(seg.vectors[start : seg.starts[local + 1]]) @ query
        best = int(np.argmax(cos))
        return float(cos[best]), start + best

    def _snippet(self, number: int, row: int) -> str:
        """The best-matching chunk if the best entry is one, else the article's first paragraph."""
        segment, local = self.location[self.articles[number].id]
        seg = self.segments[segment]
        return shorten(seg.plains[row]) if seg.kinds[row] == "chunk" else seg.intros[local]
