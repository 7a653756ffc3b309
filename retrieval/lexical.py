"""BM25 over index segments with shared statistics, so article-level updates never rebuild the whole lexical index.

Each segment keeps its own term-frequency matrix; document frequencies, the document count and the
average length are taken over the live (non-tombstoned) entries of all segments at query time, so a
small segment added by `upsert` scores on the same scale as the big one. Terms come from the index
language's analyzer (`retrieval.analysis`: codes kept whole, stems for Dutch, Italian and Finnish); scores
are divided by the best score the query could reach, so they lie in [0, 1] and mean "share of the query's
weight matched".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

from retrieval.analysis import ENGLISH, Analyzer

K1, B = 1.2, 0.75


class LexicalSegment:
    """Term frequencies of one segment's entries (an immutable CSC matrix: entries × the segment's own vocabulary)."""

    def __init__(self, vocab: dict[str, int], tf: sparse.csc_matrix, lengths: np.ndarray) -> None:
        self.vocab, self.tf, self.lengths = vocab, tf, lengths

    @classmethod
    def from_texts(cls, texts: Sequence[str], analyzer: Analyzer = ENGLISH) -> LexicalSegment:
        """Count the texts' terms."""
        vocab: dict[str, int] = {}
        rows, cols = [], []
        lengths = np.zeros(len(texts), dtype=np.float32)
        for row, text in enumerate(texts):
            tokens = analyzer.terms(text)
            lengths[row] = len(tokens)
            for token in tokens:
                rows.append(row)
                cols.append(vocab.setdefault(token, len(vocab)))
        data = np.ones(len(rows), dtype=np.float32)
        tf = sparse.csc_matrix((data, (rows, cols)), shape=(len(texts), max(len(vocab), 1)), dtype=np.float32)
        tf.sum_duplicates()
        return cls(vocab, tf, lengths)

    def save(self, folder: Path) -> None:
        """Write lexical.npz and lexical-vocab.json into `folder`."""
        np.savez(
            folder / "lexical.npz",
            data=self.tf.data,
            indices=self.tf.indices,
            indptr=self.tf.indptr,
            shape=np.array(self.tf.shape),
            lengths=self.lengths,
        )
        (folder / "lexical-vocab.json").write_text(json.dumps(list(self.vocab)))

    @classmethod
    def load(cls, folder: Path) -> LexicalSegment:
        """Read what `save` wrote."""
        arrays = np.load(folder / "lexical.npz")
        tf = sparse.csc_matrix((arrays["data"], arrays["indices"], arrays["indptr"]), shape=tuple(arrays["shape"]))
        vocab = {token: i for i, token in enumerate(json.loads((folder / "lexical-vocab.json").read_text()))}
        return cls(vocab, tf, arrays["lengths"])

    def postings(self, token: str) -> tuple[np.ndarray, np.ndarray]:
        """(entry rows, term counts) of a token in this segment."""
        column = self.vocab.get(token)
        if column is None:
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
        start, end = self.tf.indptr[column], self.tf.indptr[column + 1]
        return self.tf.indices[start:end], self.tf.data[start:end]


class LexicalView:
    """BM25 over the live entries of several segments (`alive[i]` is segment i's boolean mask), terms by `analyzer`."""

    def __init__(
        self, segments: Sequence[LexicalSegment], alive: Sequence[np.ndarray], analyzer: Analyzer = ENGLISH
    ) -> None:
        self.segments, self.alive, self.analyzer = list(segments), list(alive), analyzer
        self.count = int(sum(mask.sum() for mask in self.alive))
        total = sum(float(seg.lengths[mask].sum()) for seg, mask in zip(self.segments, self.alive, strict=True))
        self.avg_length = max(total / max(self.count, 1), 1.0)

    def _idf(self, df: float) -> float:
        """BM25's idf (the non-negative variant)."""
        return float(np.log(1.0 + (self.count - df + 0.5) / (df + 0.5)))

    def scores(self, query: str) -> list[np.ndarray]:
        """Normalized BM25 of the query against every entry, one array per segment (0 for dead entries)."""
        out = [np.zeros(seg.lengths.shape[0], dtype=np.float32) for seg in self.segments]
        tokens = sorted(set(self.analyzer.terms(query)))
        if not tokens or not self.count:
            return out
        best = 0.0
        for token in tokens:
            found = [seg.postings(token) for seg in self.segments]
            live = [(rows[mask[rows]], tf[mask[rows]]) for (rows, tf), mask in zip(found, self.alive, strict=True)]
            idf = self._idf(sum(len(rows) for rows, _ in live))
            best += idf * (K1 + 1)
            for score, seg, (rows, tf) in zip(out, self.segments, live, strict=True):
                norm = K1 * (1 - B + B * seg.lengths[rows] / self.avg_length)
                score[rows] += idf * tf * (K1 + 1) / (tf + norm)
        return [score / best for score in out]

    def score_matrix(self, queries: Sequence[str]) -> np.ndarray:
        """Normalized BM25 of many queries against one segment's entries, as a dense (queries × entries) array."""
        (seg,), (mask,) = self.segments, self.alive
        tf = seg.tf.tocoo()
        norm = K1 * (1 - B + B * seg.lengths[tf.row] / self.avg_length)
        saturated = tf.data * (K1 + 1) / (tf.data + norm) * mask[tf.row]
        weights = sparse.csr_matrix((saturated, (tf.col, tf.row)), shape=(seg.tf.shape[1], seg.tf.shape[0]))
        df = np.asarray((seg.tf[mask] > 0).sum(axis=0)).ravel()
        idf = np.log(1.0 + (self.count - df + 0.5) / (df + 0.5))
        unseen = self._idf(0.0)
        rows, cols, vals, best = [], [], [], np.zeros(len(queries))
        for row, query in enumerate(queries):
            for token in set(self.analyzer.terms(query)):
                column = seg.vocab.get(token)
                weight = idf[column] if column is not None else unseen
                best[row] += weight * (K1 + 1)
                if column is not None:
                    rows.append(row), cols.append(column), vals.append(weight)
        q = sparse.csr_matrix((vals, (rows, cols)), shape=(len(queries), seg.tf.shape[1]))
        return np.asarray((q @ weights).todense()) / np.maximum(best, 1e-9)[:, None]
