"""An immutable index segment: some articles, their entries, vectors (FAISS) and term frequencies (BM25).

A segment's folder is written once and never changed; index versions list segments and the articles
tombstoned in them. Below HNSW_MIN_ENTRIES entries a segment is searched exactly (a flat inner-product
index built at load, ≤ 1 ms on 2 cores at 20k entries); above, through an HNSW graph saved with it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np

from retrieval.analysis import Analyzer
from retrieval.articles import Article
from retrieval.chunking import Entry
from retrieval.lexical import LexicalSegment

HNSW_MIN_ENTRIES = 20_000
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 80, 96


def new_segment_id() -> str:
    """A fresh, unique segment folder name."""
    return "s" + uuid.uuid4().hex[:12]


class Segment:
    """A loaded segment: `articles[i]` has entries `starts[i]:starts[i + 1]` (rows of `vectors`)."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.id = folder, folder.name
        meta = json.loads((folder / "articles.json").read_text())
        self.hashes = meta["hashes"]
        self.articles = [
            Article.from_dict(a, content_hash=h) for a, h in zip(meta["articles"], self.hashes, strict=True)
        ]
        entries = json.loads((folder / "entries.json").read_text())
        self.entry_article = np.asarray(entries["article"], dtype=np.int64)
        self.kinds = np.asarray(entries["kind"])
        self.texts, self.plains = entries["text"], entries["plain"]
        self.starts = np.searchsorted(self.entry_article, np.arange(len(self.articles) + 1))
        self.vectors = np.load(folder / "vectors.npy", mmap_mode="r")
        self.lexical = LexicalSegment.load(folder)
        if (folder / "index.faiss").exists():
            self.index = faiss.read_index(str(folder / "index.faiss"))
        else:
            self.index = faiss.IndexFlatIP(self.vectors.shape[1])
            self.index.add(np.ascontiguousarray(self.vectors))

    def __len__(self) -> int:
        return len(self.entry_article)

    def search(self, query: np.ndarray, k: int, alive: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """The `k` nearest live entries as (rows, cosines); `alive` None means every entry is live."""
        k = min(k, len(self))
        if k == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        hnsw = isinstance(self.index, faiss.IndexHNSW)
        params = faiss.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, k)) if hnsw else faiss.SearchParameters()
        if alive is not None:
            bits = np.packbits(alive, bitorder="little")
            selector = faiss.IDSelectorBitmap(len(alive), faiss.swig_ptr(bits))
            params.sel = selector
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)  # one query runs on one thread; idle spinning ones would slow the model
        try:
            cos, rows = self.index.search(query[None, :], k, params=params)  # `bits` and `selector` live until here
        finally:
            faiss.omp_set_num_threads(threads)
        found = rows[0] >= 0
        return rows[0][found], cos[0][found]

    @staticmethod
    def write(
        folder: Path,
        articles: Sequence[Article],
        entries: Sequence[Entry],
        vectors: np.ndarray,
        *,
        hnsw_min: int,
        analyzer: Analyzer,
    ) -> None:
        """Write a segment folder (entries grouped by article, in the order of `articles`; terms by `analyzer`)."""
        position = {article.id: i for i, article in enumerate(articles)}
        tmp = folder.with_name(folder.name + ".tmp")
        tmp.mkdir(parents=True)
        (tmp / "articles.json").write_text(
            json.dumps(
                {
                    "articles": [a.to_dict() for a in articles],
                    "hashes": [a.content_hash for a in articles],
                },
                ensure_ascii=False,
            )
        )
        entry_data = {
            "article": [position[e.article_id] for e in entries],
            "kind": [e.kind for e in entries],
            "text": [e.text for e in entries],
            "plain": [e.plain for e in entries],
        }
        (tmp / "entries.json").write_text(json.dumps(entry_data, ensure_ascii=False))
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        np.save(tmp / "vectors.npy", vectors)
        LexicalSegment.from_texts([e.text for e in entries], analyzer).save(tmp)
        if len(vectors) >= hnsw_min:
            index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index.add(vectors)
            faiss.write_index(index, str(tmp / "index.faiss"))
        tmp.rename(folder)
