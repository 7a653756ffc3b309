"""CLINC150 as a knowledge base: one article per intent (its `train` examples as questions); val and test queries.

    python -m retrieval.eval.clinc [--data PATH] [--backends onnx,torch,onnx-int8]

The index fine-tunes MiniLM on the KB's questions (contrastive, on CPU; a fifth of the articles and of
the questions are held out of it), fits a softmax head over the articles, and fits its confidence on the
held-out questions and the shipped negative pool (which holds CLINC's out-of-scope `train` and `val`
queries, so `val`'s out-of-scope figure is not held out); `test` is reported. Counted strictly: an
in-scope query is right only when answered outright with its intent (a clarify is wrong), an
out-of-scope one only when not answered.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

from retrieval.articles import Article
from retrieval.cli import ProgressBar
from retrieval.embedder import Embedder
from retrieval.eval.metrics import REPO, percent, report, run, summary
from retrieval.retriever import Retriever

DEFAULT_DATA = REPO.parent / "shared" / "datasets" / "clinc150" / "data_full.json"
OUT = REPO / "var" / "eval"


def articles(data: dict) -> list[Article]:
    """One article per intent: title from the intent's name, its train examples as questions, no body."""
    examples: dict[str, list[str]] = defaultdict(list)
    for text, intent in data["train"]:
        examples[intent].append(text)
    return [
        Article(id=intent, title=intent.replace("_", " "), body="", questions=tuple(texts), tags=("clinc",))
        for intent, texts in sorted(examples.items())
    ]


def queries(data: dict, split: str) -> list[tuple[str, str | None]]:
    """A split's in-scope queries with their intent, then its out-of-scope queries with None."""
    return [(t, i) for t, i in data[split]] + [(t, None) for t, _ in data[f"oos_{split}"]]


def evaluate(data: dict, backend: str, model_dir: Path | None) -> tuple[dict, Retriever]:
    """Build (or incrementally refresh) an index with one backend and score val and test.

    The first backend's index tunes the model on the KB's questions; the others reuse that tuned model,
    so backends are compared on the same weights.
    """
    index = OUT / f"clinc-index-{backend}"
    if model_dir is None:
        retriever = Retriever.open(index, backend=backend, create=True)
    else:
        embedder = Embedder(model_dir, backend=backend, export_root=index / "models")
        retriever = Retriever.open(index, embedder=embedder, create=True)
    bar = ProgressBar()
    started = time.perf_counter()
    build = retriever.reindex(articles(data), progress=bar, tune="auto" if model_dir is None else "never")
    bar.close()
    figures = {"backend": backend, "build_seconds": round(time.perf_counter() - started, 1)}
    figures["calibration"] = build.calibration
    for split in ("val", "test"):
        outcomes, latencies = run(retriever, queries(data, split))
        figures[split] = summary(outcomes) | {"ms_per_query": 1000 * sum(latencies) / len(latencies)}
        figures[f"_{split}_outcomes"] = outcomes
    return figures, retriever


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m retrieval.eval.clinc", description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"data_full.json (default {DEFAULT_DATA})")
    parser.add_argument("--backends", default="onnx", help="comma-separated: onnx, torch, onnx-int8 (default onnx)")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"CLINC150 is absent: {args.data} does not exist, so there is nothing to evaluate (skipped).")
        return 0
    data = json.loads(args.data.read_text())
    backends = args.backends.split(",")
    first, retriever = evaluate(data, backends[0], None)
    tuned = retriever.embedder.model_dir != retriever.base_model_dir
    print(f"model: {retriever.embedder.model_dir.name} ({'fine-tuned on the KB questions' if tuned else 'not tuned'})")
    reports = [first] + [evaluate(data, backend, retriever.embedder.model_dir)[0] for backend in backends[1:]]
    print("\nCLINC150 (150 intents as 150 articles), counted strictly")
    print(f"{'backend':<10} {'split':<5} {'in-scope acc':>12} {'OOS recall':>10} {'clarify':>7} {'ms/query':>8}")
    for figures in reports:
        for split in ("val", "test"):
            row = figures[split]
            print(
                f"{figures['backend']:<10} {split:<5} {percent(row['right_answer']):>12} "
                f"{percent(row['unanswerable_not_answered']):>10} {percent(row['clarify_rate']):>7} "
                f"{row['ms_per_query']:>8.1f}"
            )
        print(f"{'':<10} build {figures['build_seconds']} s")
    for figures in reports:
        report(f"CLINC150 test, {figures['backend']}", figures["_test_outcomes"], retriever.threshold)
    return 0


if __name__ == "__main__":
    sys.exit(main())
