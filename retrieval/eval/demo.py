"""The demo KB (kb/) against its held-out yardstick and against the development paraphrases.

    python -m retrieval.eval.demo [--kb DIR] [--yardstick FILE] [--paraphrases FILE] [--backend onnx]

`demo_yardstick.jsonl` ({"query", "article_id": str | null, "kind"}) was written from the articles before
the system was run on it and is never used to choose anything; `demo_paraphrases.jsonl` ({"query",
"article_id"}) is the development set. The index fits its confidence on the KB's own questions and the
shipped negative pool only. For each set: the four figures, the clarify rate, the curve against the
answer threshold and the reliability of the confidence.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from retrieval.articles import load_kb
from retrieval.eval.metrics import REPO, percent, report, run
from retrieval.retriever import Retriever

OUT = REPO / "var" / "eval"
HERE = Path(__file__).parent
DEFAULT_YARDSTICK = HERE / "demo_yardstick.jsonl"
DEFAULT_PARAPHRASES = HERE / "demo_paraphrases.jsonl"


def labelled(path: Path) -> list[dict]:
    """The JSON lines of a labelled query file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m retrieval.eval.demo", description=__doc__.split("\n")[0])
    parser.add_argument("--kb", type=Path, default=REPO / "kb", help="knowledge-base folder (default kb/)")
    parser.add_argument("--yardstick", type=Path, default=DEFAULT_YARDSTICK, help="held-out JSON lines")
    parser.add_argument("--paraphrases", type=Path, default=DEFAULT_PARAPHRASES, help="development JSON lines")
    parser.add_argument("--backend", default="onnx", choices=["onnx", "onnx-int8", "torch"], help="default onnx")
    args = parser.parse_args(argv)
    if not args.kb.exists():
        print(f"demo evaluation skipped: {args.kb} is absent.")
        return 0
    articles, errors = load_kb(args.kb)
    for error in errors:
        print(f"warning: {error}")
    retriever = Retriever.open(OUT / f"demo-index-{args.backend}", backend=args.backend, create=True)
    build = retriever.reindex(articles, errors)
    calibration = build.calibration or {}
    print(
        f"demo KB: {len(articles)} articles; confidence fit ({calibration.get('method')}) on "
        f"{calibration.get('positives')} held-out KB questions and negatives {calibration.get('negatives')}"
    )
    if not args.yardstick.exists():
        print(f"\nyardstick: {args.yardstick} is absent, so there are no held-out figures for the demo KB.")
    sets = [("yardstick (held out)", args.yardstick), ("development paraphrases", args.paraphrases)]
    for name, path in sets:
        if not path.exists():
            continue
        items = labelled(path)
        unknown = {i["article_id"] for i in items if i["article_id"]} - {a.id for a in articles}
        if unknown:
            print(f"warning: {path.name} names articles not in {args.kb}: {', '.join(sorted(unknown))}")
        outcomes, latencies = run(retriever, [(i["query"], i["article_id"]) for i in items])
        report(f"{name}, {path.name}", outcomes, retriever.threshold)
        kinds = sorted({i["kind"] for i in items if "kind" in i and i["article_id"] is None})
        for kind in kinds:
            chosen = [o for o, i in zip(outcomes, items, strict=True) if i.get("kind") == kind]
            none = sum(o.decision == "none" for o in chosen) / len(chosen)
            print(f"  {kind}: given none {percent(none)} % of {len(chosen)}")
        print(f"  {1000 * sum(latencies) / len(latencies):.1f} ms per search")
    return 0


if __name__ == "__main__":
    sys.exit(main())
