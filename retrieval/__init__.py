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
    with retriever.trial(article) as what_if:          # a scratch copy with the article upserted (live untouched)
        what_if.search("…")
    retriever.articles() / retriever.get_article(article_id)   # for /help
    retriever.reload()                                # load the version CURRENT names; True if it changed

    watcher = IndexWatcher(retriever, redis=client, prefix="swarmdesk").start()   # reload on a new version
    announce(client, version, prefix="swarmdesk")     # SET <prefix>:index:version + PUBLISH <prefix>:index
    jobs = ReindexJobs(retriever, lambda: load_kb("kb"), redis=client, prefix="swarmdesk")
    job_id = jobs.start()                             # ReindexRunning (→ 409) if one is running
    jobs.status(job_id)                               # {"id", "state", "phase", "done", "total", "result"?, "error"?}

`search` returns {"query", "decision", "answerable", "confidence", "offered", "hits": [{"article_id", "title",
"tags", "score", "snippet", "url"}]} plus "note" when a query over 2,000 characters was cut. `decision` is
"answer" (`offered` holds the one article), "clarify" (2–3 articles the question could mean) or "none"
(`offered` is empty); `answerable` is true exactly when it is "answer". `confidence` is a calibrated
probability that the first hit is the right answer; a hit's `score` is that confidence scaled by its fused
score's distance to the first's. The snippet is the article's passage nearest the question, cut at a
sentence or list-item boundary, list items on their own lines.

How it decides (the same for any company's KB; nothing is written by hand for one):

0. Language: an index holds one language, its articles' front-matter `language` (the most common when they
   mix), e.g. `reindex --kb kb/translations/nl --index var/index-nl`. Its analyzer (`retrieval.analysis`)
   makes the BM25 terms: English words as written; Dutch, Italian and Finnish the Snowball stem of each word
   with accents folded (Finnish also its first five letters); a language without an analyzer as English.
1. Rank: dense (FAISS over the embeddings of the language's model: all-MiniLM-L6-v2 for English and Finnish,
   the multilingual Universal Sentence Encoder for Dutch and Italian, `retrieval.embedder.model_dir_for`), BM25
   and a softmax head over the articles are fused per article; a MiniLM model is fine-tuned on the KB's own
   questions at the first full re-index that has enough of them (English from 100 over 20 articles, Finnish
   from 500: `retrieval.tuning`, `Analyzer.tune_from`); the head weighs an article's passages 4× its title
   and questions (`retrieval.head`). BM25 weighs 2 in English and 16 in Dutch, Italian and Finnish, chosen
   when the English model embedded all three (on the KB's own questions held out, `retrieval.analysis`).
2. Know what the KB does not say: each content word of the query the KB never uses (not as written,
   in another form, or one typing slip away) weighs by its rarity in the index's language (wordfreq):
   "want" 0, "lamp" 0.6, "alexa" 0.8, an invented brand or an unknown code 1; the query's unknown share is
   that weight over all its words' weight, so a question that hinges on a word the KB lacks scores high and
   one that wraps the KB's words in everyday context scores low; a name or code no dictionary has and the KB
   never uses makes it 1 (`retrieval.vocabulary`).
3. Calibrate: a logistic model on the best article's fused score, its margins to the 2nd and 3rd,
   cosine, BM25, that unknown share and the head's largest logit (how near the query is to any article,
   which the head's softmax leaves out) gives P(the right article is among the first three); times
   the best's share of the three (a softmax of their fused scores at a fitted temperature) it gives P(the
   best article is right), so two articles that score alike are never more than an even bet each
   (`retrieval.confidence`). Each re-index fits both on the KB's own questions
   held out in folds, against negatives that need nothing from the KB: whole articles held out, a shipped
   pool of generic questions in the index's language (English: CLINC150, CC BY 3.0,
   `retrieval/data/negative_pool.txt`; Dutch, Italian, Finnish: written for the project,
   `negative_pool_<language>.txt`) and held-out questions whose most specific word was swapped for a word of
   that language the KB never uses (`retrieval.calibration`).
4. Decide, as a choice about risk: answer from confidence 0.7; else clarify when the right article is at
   least 60 % likely among the first 2–3; else none.

Settings (environment): SWARMDESK_EMBEDDING_MODEL (a sentence-transformers folder that then embeds every language;
default each language's packaged model, above),
SWARMDESK_EMBEDDING_BACKEND (onnx | onnx-int8 | torch; default onnx), SWARMDESK_RETRIEVAL_THREADS (default
min(4, CPUs)), SWARMDESK_ANSWER_THRESHOLD (the confidence from which it answers; default 0.7).

Command line: `python -m retrieval reindex --kb DIR --index DIR` and
`python -m retrieval search --index DIR [--top-k N] (QUERY | --batch FILE)`.
"""

from retrieval.articles import Article, ArticleError, load_kb, parse_article
from retrieval.build import BuildResult
from retrieval.jobs import ReindexJobs, ReindexRunning
from retrieval.retriever import QueryError, Retriever
from retrieval.store import IndexBusy, IndexNotFound
from retrieval.sync import IndexWatcher, announce

__all__ = [
    "Article",
    "ArticleError",
    "BuildResult",
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
