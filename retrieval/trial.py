"""What the index would answer with one article added or changed, without touching the live index."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from retrieval.articles import Article
from retrieval.build import write_version
from retrieval.snapshot import Snapshot
from retrieval.store import IndexBusy, IndexStore

if TYPE_CHECKING:
    from retrieval.retriever import Retriever


@contextmanager
def trial(live: Retriever, snapshot: Snapshot, article: Article) -> Iterator[Retriever]:
    """A searchable copy of the live version with `article` upserted; the copy is deleted on leaving.

    The copy hard-links the live segments and head (nothing is copied or re-embedded but the article) and shares
    the live embedder and the segments already in memory.
    """
    from retrieval.retriever import Retriever

    scratch = Path(tempfile.mkdtemp(prefix=".trial-", dir=live.store.root.parent))
    try:
        store = IndexStore(scratch)
        try:
            for folder in ("segments", "heads"):
                if (live.store.root / folder).is_dir():
                    shutil.copytree(live.store.root / folder, scratch / folder, copy_function=os.link)
        except (FileNotFoundError, shutil.Error) as error:  # a writer's clean-up removed a file meanwhile
            raise IndexBusy("the index changed while it was being copied; try again") from error
        store.publish(snapshot.manifest)
        model = snapshot.manifest["model"]
        articles = [a for a in snapshot.articles if a.id != article.id] + [article]
        base_key = model.get("base_key") if model.get("tuned") else None
        result = write_version(
            store, live.embedder, previous=snapshot, articles=articles, refit=False, base_key=base_key
        )
        tried = Snapshot(store, result.version, snapshot)
        yield Retriever(store, live.embedder, tried, base_model_dir=live.base_model_dir, threshold=live.threshold)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
