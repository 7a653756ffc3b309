"""CLINC150 as a knowledge base: one article per intent (its `train` examples as questions); val and test queries.

    python -m retrieval.eval.clinc [--data PATH] [--backends onnx,torch,onnx-int8]

The index fine-tunes MiniLM on the KB's questions (contrastive, on CPU; a fifth of the articles and of
the questions are held out of it), fits a softmax head over the articles, and calibrates its threshold
from the held-out questions (no CLINC out-of-scope data is used to build it);
`val` chose the design, `test` is reported. Prints in-scope accuracy (right article and answerable) and
out-of-scope recall at the calibrated threshold, and writes the whole curve to var/eval/clinc_curve.png.
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
from retrieval.eval.metrics import REPO, best_at, percent, plot, run, summary
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
    report = {"backend": backend, "build_seconds": round(time.perf_counter() - started, 1)}
    report["calibration"] = build.calibration
    for split in ("val", "test"):
        outcomes, latencies = run(retriever, queries(data, split))
        report[split] = summary(outcomes) | {"ms_per_query": 1000 * sum(latencies) / len(latencies)}
        report[split]["best_at_85"] = best_at(outcomes, 0.85)
        report[f"_{split}_outcomes"] = outcomes
    return report, retriever


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
    print("\nCLINC150 (150 intents as 150 articles; thresholds calibrated by the index from its own questions)")
    print(
        f"{'backend':<10} {'split':<5} {'in-scope acc':>12} {'OOS recall':>10} {'top-1':>6} "
        f"{'best in-scope @ OOS≥85 (oracle)':>32} {'ms/query':>8}"
    )
    for report in reports:
        for split in ("val", "test"):
            row = report[split]
            best = row["best_at_85"]
            oracle = f"{percent(best[0])} @ {percent(best[1])}" if best else "n/a"
            print(
                f"{report['backend']:<10} {split:<5} {percent(row['in_scope_accuracy']):>12} "
                f"{percent(row['oos_recall']):>10} {percent(row['top1_accuracy']):>6} {oracle:>32} "
                f"{row['ms_per_query']:>8.1f}"
            )
        print(f"{'':<10} calibration: {json.dumps(report['calibration'])}; build {report['build_seconds']} s")
    if len(reports) > 1:
        base = reports[0]["_test_outcomes"]
        for other in reports[1:]:
            same = sum(a.top == b.top for a, b in zip(base, other["_test_outcomes"], strict=True)) / len(base)
            delta = other["test"]["in_scope_accuracy"] - reports[0]["test"]["in_scope_accuracy"]
            print(
                f"test top-1 agreement {reports[0]['backend']} vs {other['backend']}: {percent(same)}%; "
                f"in-scope accuracy difference {delta * 100:+.2f} points"
            )
    marks = {r["backend"]: r["test"] for r in reports}
    path = plot(
        {r["backend"]: r["_test_outcomes"] for r in reports},
        marks,
        OUT / "clinc_curve.png",
        "CLINC150 test: in-scope accuracy vs out-of-scope recall",
    )
    print(f"curve: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
