"""Command line: `python -m retrieval reindex --kb DIR --index DIR` and `python -m retrieval search --index DIR ...`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from retrieval.articles import load_kb
from retrieval.build import index_analyzer
from retrieval.embedder import model_dir_for
from retrieval.retriever import QueryError, Retriever
from retrieval.store import IndexBusy, IndexNotFound


class ProgressBar:
    """A one-line progress bar on stderr: `embedding [#####.....] 120/240`."""

    def __init__(self, stream=sys.stderr, width: int = 30) -> None:
        self.stream, self.width, self.phase, self.last = stream, width, None, 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase == self.phase and done < total and now - self.last < 0.1:
            return
        if self.phase is not None and phase != self.phase:
            self.stream.write("\n")
        self.phase, self.last = phase, now
        filled = self.width * done // max(total, 1)
        self.stream.write(f"\r{phase:<12}[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total}")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line."""
        if self.phase is not None:
            self.stream.write("\n")


def _reindex(args: argparse.Namespace) -> int:
    """Re-index a folder of markdown articles; exit code 1 if some files are broken (the rest is indexed)."""
    articles, errors = load_kb(args.kb)
    model = args.model or model_dir_for(index_analyzer(articles).language)
    retriever = Retriever.open(args.index, model_dir=model, backend=args.backend, create=True)
    bar = ProgressBar()
    try:
        result = retriever.reindex(articles, errors, progress=bar, tune=args.tune)
    finally:
        bar.close()
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    summary = {k: v for k, v in result.to_dict().items() if k != "errors"}
    summary["embedded"] = len(result.embedded)
    print(json.dumps(summary | {"broken_files": len(errors)}))
    return 1 if errors else 0


def _search(args: argparse.Namespace) -> int:
    """Search the index: one JSON object, or one JSON line per query of --batch."""
    retriever = Retriever.open(args.index, model_dir=args.model, backend=args.backend)
    if args.batch:
        lines = Path(args.batch).read_text(encoding="utf-8").splitlines()
        for line in filter(str.strip, lines):
            print(json.dumps(retriever.search(line, top_k=args.top_k), ensure_ascii=False), flush=True)
        return 0
    print(json.dumps(retriever.search(args.query, top_k=args.top_k), ensure_ascii=False, indent=1))
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser."""
    main = argparse.ArgumentParser(prog="python -m retrieval", description="Swarmdesk knowledge-base index.")
    commands = main.add_subparsers(dest="command", required=True)
    reindex = commands.add_parser("reindex", help="(re)build the index from markdown articles, incrementally")
    reindex.add_argument("--kb", required=True, help="folder of markdown articles")
    reindex.add_argument(
        "--tune",
        choices=["auto", "always", "never"],
        default="auto",
        help="fine-tune the model on the KB's questions (auto: once, from 100 in English, 500 in other languages)",
    )
    search = commands.add_parser("search", help="search the index; prints JSON")
    search.add_argument("query", nargs="?", help="the question")
    search.add_argument("--batch", help="file with one query per line; prints one JSON object per line")
    search.add_argument("--top-k", type=int, default=5, help="hits per query (default 5)")
    for command in (reindex, search):
        command.add_argument("--index", required=True, help="index folder")
        command.add_argument(
            "--model",
            help="sentence-transformers folder (default: the KB language's packaged model, all-MiniLM-L6-v2 or for "
            "Dutch and Italian the multilingual Universal Sentence Encoder)",
        )
        command.add_argument("--backend", choices=["onnx", "onnx-int8", "torch"], help="embedding backend")
    return main


def main(argv: list[str] | None = None) -> int:
    """Run the command line; errors print one line and exit non-zero, without a traceback."""
    args = parser().parse_args(argv)
    if args.command == "search" and bool(args.query) == bool(args.batch):
        print("error: give a query or --batch FILE (one of them)", file=sys.stderr)
        return 2
    try:
        return _reindex(args) if args.command == "reindex" else _search(args)
    except (IndexNotFound, IndexBusy, QueryError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
