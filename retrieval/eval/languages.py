"""The demo KB in each language against its held-out yardstick, beside English's (issue #24's targets).

    python -m retrieval.eval.languages [--kb DIR] [--backend onnx]

For English, `kb/` and `demo_yardstick.jsonl`; for Dutch, Italian and Finnish, `kb/translations/<language>/` (an
index of its own, analysed in that language) and `yardstick_<language>.jsonl`. The yardsticks were written before
the system was run on them and are never used to choose anything. A language whose folder or yardstick is absent
is reported as skipped.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

from retrieval.articles import load_kb
from retrieval.build import index_analyzer
from retrieval.embedder import Embedder, model_dir_for
from retrieval.eval.demo import DEFAULT_YARDSTICK, HERE, OUT, labelled
from retrieval.eval.metrics import REPO, percent, run, summary
from retrieval.retriever import Retriever

LANGUAGES = ("nl", "it", "fi")
TARGETS = "targets: wrong ≤ 5 % of answers, none ≥ 85 % of the not-answerable, right answered or offered ≥ 60 %"


def kb_of(root: Path, code: str) -> Path:
    """The KB folder of a language: the English KB itself, or its translations folder."""
    return root if code == "en" else root / "translations" / code


def embedders(backend: str) -> Callable[[str], Embedder]:
    """Each language's embedder (`model_dir_for`), loaded when first needed and once per model."""
    load = cache(lambda model_dir: Embedder(model_dir, backend=backend, export_root=OUT / "models"))
    return lambda language: load(model_dir_for(language))


def indexed(kb: Path, index: Path, embedder: Callable[[str], Embedder]) -> tuple[Retriever, int] | str:
    """The index of `kb` built or brought up to date with its language's model, with its article count; or why not
    (broken files)."""
    articles, errors = load_kb(kb)
    if errors:
        return f"{len(errors)} broken files in {kb} (first: {errors[0]})"
    retriever = Retriever.open(index, embedder=embedder(index_analyzer(articles).language), create=True)
    retriever.reindex(articles, errors)
    return retriever, len(articles)


def figures(kb: Path, yardstick: Path, index: Path, embedder: Callable[[str], Embedder]) -> dict | str:
    """The yardstick's figures on an index of `kb` (built or brought up to date), or why it was skipped
    (`embedder` gives a language's model, see `embedders`)."""
    if not kb.is_dir():
        return f"skipped: {kb} is absent"
    if not yardstick.exists():
        return f"skipped: {yardstick} is absent"
    if isinstance(built := indexed(kb, index, embedder), str):
        return f"skipped: {built}"
    retriever, articles = built
    items = labelled(yardstick)
    outcomes, _ = run(retriever, [(i["query"], i["article_id"]) for i in items])
    return summary(outcomes) | {"articles": articles, "language": retriever._snapshot.analyzer.language}


def main(argv: list[str] | None = None) -> int:
    """Build an index per language and print the four figures beside English's."""
    parser = argparse.ArgumentParser(prog="python -m retrieval.eval.languages", description=__doc__.split("\n")[0])
    parser.add_argument("--kb", type=Path, default=REPO / "kb", help="the English KB; translations under it")
    parser.add_argument("--backend", default="onnx", choices=["onnx", "onnx-int8", "torch"], help="default onnx")
    args = parser.parse_args(argv)
    embedder = embedders(args.backend)
    sets = [("en", args.kb, DEFAULT_YARDSTICK, OUT / f"demo-index-{args.backend}")] + [
        (code, kb_of(args.kb, code), HERE / f"yardstick_{code}.jsonl", OUT / f"index-{code}-{args.backend}")
        for code in LANGUAGES
    ]
    print("demo KB per language, held-out yardsticks (answer threshold: each index's default)")
    print(f"  {TARGETS}")
    header = (
        f"{'answerable':>10} {'not ans.':>8} {'right':>6} {'+offered':>8} {'wrong/ans':>9} {'none':>6} "
        f"{'unanswered':>10} {'clarify':>7}"
    )
    print(f"  {'language':<8} {'analyzer':<8} {'articles':>8} {header}")
    for code, kb, yardstick, index in sets:
        found = figures(kb, yardstick, index, embedder)
        if isinstance(found, str):
            print(f"  {code:<8} {found}")
            continue
        offered = (found["right_answer"] or 0) + (found["right_in_clarify"] or 0)
        print(
            f"  {code:<8} {found['language']:<8} {found['articles']:>8} {found['answerable']:>10} "
            f"{found['unanswerable']:>8} {percent(found['right_answer']):>6} {percent(offered):>8} "
            f"{percent(found['wrong_of_answers']):>9} {percent(found['unanswerable_none']):>6} "
            f"{percent(found['unanswerable_not_answered']):>10} {percent(found['clarify_rate']):>7}"
        )
    print("  right: right article answered outright; +offered: answered or offered in a clarify (% of answerable);")
    print("  wrong/ans: wrong answers as a share of answers; none: `none` for the not-answerable (%); unanswered:")
    print("  the not-answerable given `none` or a clarify, not an answer (%); clarify: share of all questions (%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
