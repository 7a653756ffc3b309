"""The demo KB in each language against its development set (`retrieval/eval/dev/dev_<language>.jsonl`).

    python -m retrieval.eval.dev_languages [--kb DIR] [--backend onnx] [--languages en nl] [--set dev2|dev3] [--show]
        [--rebuild]

Builds (or brings up to date) an index per language under var/eval/ — English from `kb/`, the others from
`kb/translations/<language>/`, each analysed in its language — and prints, per language: right answered,
right answered or offered in a clarify (% of the answerable), wrong answers as a share of answers, `none` for
the not-answerable (and per kind: out_of_kb, near_miss), and the clarify rate. `--set dev2` reads the second sets
(`dev2_<language>.jsonl`: English, Dutch and Italian) instead, `--set dev3` the third (Dutch and Italian). `--show`
lists each wrong answer and each not-answerable question that was answered. The development sets are for choosing
methods and settings (see `retrieval/eval/dev/README.md`); the held-out yardsticks are never read here.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from retrieval.embedder import Embedder
from retrieval.eval.demo import OUT, labelled
from retrieval.eval.languages import embedders, indexed, kb_of
from retrieval.eval.metrics import REPO, Outcome, percent, run, summary
from retrieval.retriever import Retriever

DEV = Path(__file__).with_name("dev")
LANGUAGES = ("en", "nl", "it", "fi")


def outcomes(
    kb: Path, items: list[dict], index: Path, embedder: Callable[[str], Embedder]
) -> tuple[list[Outcome], Retriever]:
    """Each item's outcome on an index of `kb` (built or brought up to date), and the retriever."""
    if isinstance(built := indexed(kb, index, embedder), str):
        raise SystemExit(built)
    retriever, _ = built
    found, _ = run(retriever, [(i["query"], i["article_id"]) for i in items])
    return found, retriever


def figures(found: list[Outcome], items: list[dict]) -> dict:
    """`summary`'s figures, right-or-offered, and `none` per kind of not-answerable question."""
    result = summary(found)
    result["offered"] = (result["right_answer"] or 0) + (result["right_in_clarify"] or 0)
    for kind in ("out_of_kb", "near_miss"):
        chosen = [o for o, i in zip(found, items, strict=True) if i.get("kind") == kind]
        result[kind] = sum(o.decision == "none" for o in chosen) / len(chosen) if chosen else None
    return result


def show(found: list[Outcome], items: list[dict]) -> None:
    """Print each wrong answer and each not-answerable question that was answered."""
    for o, item in zip(found, items, strict=True):
        if o.decision == "answer" and o.top != o.expected:
            label = "unanswerable answered" if o.expected is None else "wrong answer"
            print(
                f"    {label:<21} [{item.get('kind')}] {item['query']!r}: expected {o.expected}, "
                f"top {o.top}, confidence {o.confidence:.2f}, in top 3 {o.in_top3:.2f}"
            )


def main(argv: list[str] | None = None) -> int:
    """Build an index per language and print its figures on its development set."""
    parser = argparse.ArgumentParser(prog="python -m retrieval.eval.dev_languages", description=__doc__.split("\n")[0])
    parser.add_argument("--kb", type=Path, default=REPO / "kb", help="the English KB; translations under it")
    parser.add_argument("--backend", default="onnx", choices=["onnx", "onnx-int8", "torch"], help="default onnx")
    parser.add_argument("--languages", nargs="+", default=list(LANGUAGES), choices=LANGUAGES)
    parser.add_argument(
        "--set", default="dev", choices=["dev", "dev2", "dev3"], help="which development sets (default dev)"
    )
    parser.add_argument("--show", action="store_true", help="list wrong answers and answered unanswerable questions")
    parser.add_argument("--rebuild", action="store_true", help="start each index afresh (refits the calibration)")
    args = parser.parse_args(argv)
    embedder = embedders(args.backend)
    print("demo KB per language, development sets (answer threshold: each index's default)")
    header = f"{'right':>6} {'+offered':>8} {'wrong/ans':>9} {'none':>6} {'out_kb':>6} {'near':>6} {'clarify':>7}"
    rows = []
    for code in args.languages:
        dev = DEV / f"{args.set}_{code}.jsonl"
        if not dev.exists():
            print(f"  {code}: no {dev.name}")
            continue
        index = OUT / f"dev-index-{code}-{args.backend}"
        if args.rebuild and index.exists():
            shutil.rmtree(index)
        items = labelled(dev)
        found, retriever = outcomes(kb_of(args.kb, code), items, index, embedder)
        f = figures(found, items)
        calibration = retriever._snapshot.manifest.get("calibration") or {}
        rows.append(
            f"  {code:<8} {percent(f['right_answer']):>6} {percent(f['offered']):>8} "
            f"{percent(f['wrong_of_answers']):>9} {percent(f['unanswerable_none']):>6} {percent(f['out_of_kb']):>6} "
            f"{percent(f['near_miss']):>6} {percent(f['clarify_rate']):>7}"
        )
        print(
            f"  {code}: {f['answerable']} answerable, {f['unanswerable']} not; calibration "
            f"{calibration.get('method')} on {calibration.get('positives')} positives, negatives "
            f"{calibration.get('negatives')}"
        )
        if args.show:
            show(found, items)
    print(f"\n  {'language':<8} {header}")
    print("\n".join(rows))
    print("  right: answered outright; +offered: answered or offered in a clarify (% of answerable); wrong/ans:")
    print("  wrong answers as a share of answers; none: `none` for the not-answerable (%), out_kb / near per kind")
    return 0


if __name__ == "__main__":
    sys.exit(main())
