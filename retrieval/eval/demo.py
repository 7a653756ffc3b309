"""The demo KB (kb/) against paraphrases written for it (retrieval/eval/demo_paraphrases.jsonl).

    python -m retrieval.eval.demo [--kb DIR] [--paraphrases FILE] [--backends onnx,torch,onnx-int8]

Each line of the paraphrase file is {"query", "article_id"}; article_id null means no article answers
it. Prints top-1 accuracy, in-scope accuracy (right article and answerable) and unanswerable recall per
embedding backend, the top-1 agreement of each backend with the first, and the misses.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from retrieval.articles import load_kb
from retrieval.eval.metrics import REPO, percent, run, summary
from retrieval.retriever import Retriever

OUT = REPO / "var" / "eval"
DEFAULT_PARAPHRASES = Path(__file__).with_name("demo_paraphrases.jsonl")


def _missed(outcome) -> bool:
    """An in-scope query not answered with its article, or an unanswerable one answered."""
    if outcome.expected is None:
        return outcome.answerable
    return not (outcome.top == outcome.expected and outcome.answerable)


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m retrieval.eval.demo", description=__doc__.split("\n")[0])
    parser.add_argument("--kb", type=Path, default=REPO / "kb", help="knowledge-base folder (default kb/)")
    parser.add_argument("--paraphrases", type=Path, default=DEFAULT_PARAPHRASES, help="JSON lines of queries")
    parser.add_argument("--backends", default="onnx,torch,onnx-int8", help="comma-separated (default all three)")
    args = parser.parse_args(argv)
    for path in (args.kb, args.paraphrases):
        if not path.exists():
            print(f"demo evaluation skipped: {path} is absent.")
            return 0
    articles, errors = load_kb(args.kb)
    for error in errors:
        print(f"warning: {error}")
    labelled = [json.loads(line) for line in args.paraphrases.read_text().splitlines() if line.strip()]
    queries = [(item["query"], item["article_id"]) for item in labelled]
    unknown = {a for _, a in queries if a is not None} - {a.id for a in articles}
    if unknown:
        print(f"warning: paraphrases name articles not in {args.kb}: {', '.join(sorted(unknown))}")
    print(
        f"demo KB: {len(articles)} articles; {len(queries)} paraphrases "
        f"({sum(a is None for _, a in queries)} that no article answers)"
    )
    print(f"{'backend':<10} {'top-1':>6} {'in-scope acc':>12} {'unanswerable recall':>19} {'ms/query':>8}  calibration")
    first = None
    for backend in args.backends.split(","):
        retriever = Retriever.open(OUT / f"demo-index-{backend}", backend=backend, create=True)
        build = retriever.reindex(articles, errors)
        outcomes, latencies = run(retriever, queries)
        figures = summary(outcomes)
        calibration = build.calibration or {}
        print(
            f"{backend:<10} {percent(figures['top1_accuracy']):>6} {percent(figures['in_scope_accuracy']):>12} "
            f"{percent(figures['oos_recall']):>19} {1000 * sum(latencies) / len(latencies):>8.1f}  "
            f"{calibration.get('method')} tau={calibration.get('tau', 0):.2f} "
            f"(held-out: {percent(calibration.get('in_scope_accuracy'))} / "
            f"{percent(calibration.get('unanswerable_recall'))})"
        )
        if first is None:
            first = (backend, outcomes)
            misses = [(q, o) for (q, _), o in zip(queries, outcomes, strict=True) if _missed(o)]
        else:
            same = sum(a.top == b.top for a, b in zip(first[1], outcomes, strict=True)) / len(outcomes)
            print(f"{'':<10} top-1 agreement with {first[0]}: {percent(same)}%")
    print(f"\nmisses with {first[0]} ({len(misses)}):")
    for query, outcome in misses[:25]:
        print(
            f"  {query!r}: expected {outcome.expected}, got {outcome.top} "
            f"(confidence {outcome.confidence:.2f}, answerable {outcome.answerable})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
