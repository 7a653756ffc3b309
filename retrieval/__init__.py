"""Swarmdesk knowledge-base retrieval: calibrated answer-or-hand-off search over markdown articles.

Public API (everything else is internal):

    from retrieval import Article, ArticleError, load_kb, parse_article
    from retrieval import Retriever, QueryError, IndexNotFound, IndexBusy
    from retrieval import IndexWatcher, announce, ReindexJobs, ReindexRunning

    articles, errors = load_kb("kb")                  # list[Article], list[ArticleError] (file + line)
    retriever = Retriever.open("var/index", create=True)   # IndexNotFound without create=True
    result = retriever.reindex(articles, errors)      # BuildResult: version, embedded, removed, errors, ...
    retriever.search("my hub shows E-204", top_k=5)   # -> dict, below; QueryError (a ValueError) → 422
    retriever.upsert(article) / retriever.remove(article_id)   # -> new version, searchable at once
    retriever.articles() / retriever.get_article(article_id)   # for /help
    retriever.reload()                                # load the version CURRENT names; True if it changed

    watcher = IndexWatcher(retriever, redis=client, prefix="swarmdesk").start()   # reload on a new version
    announce(client, version, prefix="swarmdesk")     # SET <prefix>:index:version + PUBLISH <prefix>:index
    jobs = ReindexJobs(retriever, lambda: load_kb("kb"), redis=client, prefix="swarmdesk")
    job_id = jobs.start()                             # ReindexRunning (→ 409) if one is running
    jobs.status(job_id)                               # {"id", "state", "phase", "done", "total", "result"?, "error"?}

`search` returns {"query", "answerable", "confidence", "hits": [{"article_id", "title", "tags", "score",
"snippet", "url"}]} plus "note" when a query over 2,000 characters was cut. `score` is the hit's
calibrated confidence in [0, 1]; `confidence` is the first hit's; `answerable` is confidence ≥ 0.5 (the
boundary the index calibrated from its own questions) or ≥ `threshold` / `$SWARMDESK_ANSWER_THRESHOLD`.

Settings (environment): SWARMDESK_EMBEDDING_MODEL (a sentence-transformers folder; default the packaged
all-MiniLM-L6-v2), SWARMDESK_EMBEDDING_BACKEND (onnx | onnx-int8 | torch; default onnx),
SWARMDESK_RETRIEVAL_THREADS (default min(4, CPUs)), SWARMDESK_ANSWER_THRESHOLD (default 0.5).

Command line: `python -m retrieval reindex --kb DIR --index DIR` and
`python -m retrieval search --index DIR [--top-k N] (QUERY | --batch FILE)`.
"""

from retrieval.articles import Article, ArticleError, load_kb, parse_article
from retrieval.jobs import ReindexJobs, ReindexRunning
from retrieval.retriever import QueryError, Retriever
from retrieval.store import IndexBusy, IndexNotFound
from retrieval.sync import IndexWatcher, announce

__all__ = [
    "Article",
    "ArticleError",
    "IndexBusy",
    "IndexNotFound",
    "IndexWatcher",
    "QueryError",
    "ReindexJobs",
    "ReindexRunning",
    "Retriever",
    "announce",
    "load_kb",
    "parse_article",
]
