"""Ranking on development data only: how often the right article is first, and among the first three.

    python -m retrieval.eval.ranking [--kb DIR] [--paraphrases FILE] [--backend onnx]

Two measures, neither of which reads the yardstick:

- the KB's own front-matter `questions`, cross-validated: in fold k every article's k-th question is left
  out of the index (its entry, the head and BM25 are built without it) and searched; an article with
  fewer than k + 1 questions sits that fold out;
- the answerable development paraphrases (`demo_paraphrases.jsonl`) against the whole KB.

Articles are scored as the calibration scores them (`retrieval.calibration.article_scores`: head,
best cosine and best BM25), with the base model: what a change to the ranking does, before the
confidence and the decision are fit on top of it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from retrieval.articles import Article, load_kb
from retrieval.build import index_analyzer
from retrieval.calibration import Embed, Entries, article_scores
from retrieval.chunking import entries_for
from retrieval.embedder import Embedder, model_dir_for
from retrieval.eval.metrics import REPO
from retrieval.head import entry_weights, fit_head

DEFAULT_PARAPHRASES = Path(__file__).with_name("demo_paraphrases.jsonl")


def without_question(articles: Sequence[Article], k: int) -> list[Article]:
    """The articles with their k-th question left out (those with fewer questions unchanged)."""
    return [dataclasses.replace(a, questions=a.questions[:k] + a.questions[k + 1 :]) for a in articles]


def entries_of(articles: Sequence[Article], embed: Embed) -> Entries:
    """The articles' index entries, embedded, grouped by article in the given order, with the index's analyzer."""
    found = [(number, entry) for number, article in enumerate(articles) for entry in entries_for(article)]
    texts = [entry.text for _, entry in found]
    labels = np.array([number for number, _ in found])
    kinds = np.array([entry.kind for _, entry in found])
    return Entries(embed(texts), labels, kinds, texts, len(articles), index_analyzer(articles))


def ranks(entries: Entries, embed: Embed, queries: Sequence[str], expected: Sequence[int]) -> np.ndarray:
    """The 0-based rank of each query's expected article (by number) among all articles."""
    weights = entry_weights(entries.kinds)
    head = fit_head(entries.vectors, entries.articles, entries.count, weights=weights) if entries.count >= 2 else None
    every = np.ones(len(entries.texts), dtype=bool)
    live = np.ones(entries.count, dtype=bool)
    scores = article_scores(entries, embed(list(queries)), queries, every, head, live)[0]
    right = scores[np.arange(len(queries)), np.asarray(expected)]
    return (scores > right[:, None]).sum(axis=1)


def question_ranks(articles: Sequence[Article], embed: Embed) -> np.ndarray:
    """The rank of each front-matter question's article, with that question left out of the index."""
    found = []
    for k in range(max((len(a.questions) for a in articles), default=0)):
        asked = [n for n, a in enumerate(articles) if len(a.questions) > k]
        entries = entries_of(without_question(articles, k), embed)
        found.append(ranks(entries, embed, [articles[n].questions[k] for n in asked], asked))
    return np.concatenate(found) if found else np.zeros(0, dtype=int)


def recall(found: np.ndarray) -> tuple[float, float]:
    """(share ranked first, share among the first three)."""
    return (float(np.mean(found == 0)), float(np.mean(found < 3))) if len(found) else (0.0, 0.0)


def main(argv: list[str] | None = None) -> int:
    """Print top-1 and top-3 recall on the KB's questions (cross-validated) and on the paraphrases."""
    parser = argparse.ArgumentParser(prog="python -m retrieval.eval.ranking", description=__doc__.split("\n")[0])
    parser.add_argument("--kb", type=Path, default=REPO / "kb", help="knowledge-base folder (default kb/)")
    parser.add_argument("--paraphrases", type=Path, default=DEFAULT_PARAPHRASES, help="development JSON lines")
    parser.add_argument("--backend", default="onnx", choices=["onnx", "onnx-int8", "torch"], help="default onnx")
    args = parser.parse_args(argv)
    articles, errors = load_kb(args.kb)
    for error in errors:
        print(f"warning: {error}")
    embedder = Embedder(model_dir_for(index_analyzer(articles).language), backend=args.backend)
    found = question_ranks(articles, embedder.encode)
    top1, top3 = recall(found)
    print(f"KB questions, each left out: top-1 {100 * top1:.1f} %, top-3 {100 * top3:.1f} % of {len(found)}")
    if args.paraphrases.exists():
        number = {a.id: n for n, a in enumerate(articles)}
        items = [json.loads(line) for line in args.paraphrases.read_text(encoding="utf-8").splitlines() if line]
        items = [i for i in items if i.get("article_id") in number]
        found = ranks(
            entries_of(articles, embedder.encode),
            embedder.encode,
            [i["query"] for i in items],
            [number[i["article_id"]] for i in items],
        )
        top1, top3 = recall(found)
        print(f"{args.paraphrases.name}: top-1 {100 * top1:.1f} %, top-3 {100 * top3:.1f} % of {len(found)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
