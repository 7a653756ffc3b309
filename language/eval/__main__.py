"""Language detection on the held-out chat messages of `langid_set.jsonl` (written before the detector was chosen).

    .venv/bin/python -m language.eval [--set FILE]

Prints, per language, the accuracy on messages of three or more words (issue #24's target: >= 98 %), and on the
short ones (one or two words, outside the target) apart; for lingua's high-accuracy mode (the default) and its
low-accuracy mode beside it, with each mode's load time, memory and time per message, then every miss of the default.
"""

import argparse
import json
import resource
import statistics
import time
from collections import Counter
from pathlib import Path

from language.detection import SERVED, LanguageDetector

SET = Path(__file__).resolve().parent / "langid_set.jsonl"
TARGET = 0.98


def _rss_mb() -> int:
    """The process's peak resident memory in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def measure(rows: list[dict], *, high_accuracy: bool) -> dict:
    """Each row's detected language, and the mode's cost: load (build and first message) and time per message."""
    before, start = _rss_mb(), time.perf_counter()
    detector = LanguageDetector(high_accuracy=high_accuracy)
    detector.detect(rows[0]["text"])
    load = time.perf_counter() - start
    found, took = [], []
    for row in rows:
        start = time.perf_counter()
        guess = detector.detect(row["text"])
        took.append(time.perf_counter() - start)
        found.append(guess.language if guess else None)
    return {"found": found, "load_s": load, "mb": _rss_mb() - before, "ms": statistics.median(took) * 1000}


def accuracy(rows: list[dict], found: list, *, language: str, short: bool) -> tuple[int, int]:
    """(right, total) over the rows of one language and length class."""
    pairs = [(row, got) for row, got in zip(rows, found, strict=True) if row["language"] == language]
    pairs = [(row, got) for row, got in pairs if row["short"] == short]
    return sum(got == row["language"] for row, got in pairs), len(pairs)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=SET, help="JSONL of {text, language, short} (default: ours)")
    rows = [json.loads(line) for line in parser.parse_args().set.read_text(encoding="utf-8").splitlines() if line]
    low = measure(rows, high_accuracy=False)  # first: the memory figure is a rise of the process's peak
    modes = {"high": measure(rows, high_accuracy=True), "low": low}
    print(f"Language detection (lingua), {len(rows)} messages; target >= {TARGET:.0%} on >= 3 words")
    print(f"{'language':<10}{'>=3 words high':>18}{'low':>16}{'1-2 words high':>18}{'low':>16}")
    totals = Counter()
    for language in SERVED:
        cells = []
        for short in (False, True):
            for mode, result in modes.items():
                right, total = accuracy(rows, result["found"], language=language, short=short)
                totals[(mode, short, "right")] += right
                totals[(mode, short, "total")] += total
                cells.append(f"{right}/{total} {right / max(total, 1):6.1%}")
        print(f"{language:<10}{cells[0]:>18}{cells[1]:>16}{cells[2]:>18}{cells[3]:>16}")
    cells = [
        f"{totals[(m, s, 'right')]}/{totals[(m, s, 'total')]} {totals[(m, s, 'right')] / totals[(m, s, 'total')]:6.1%}"
        for s in (False, True)
        for m in modes
    ]
    print(f"{'all':<10}{cells[0]:>18}{cells[1]:>16}{cells[2]:>18}{cells[3]:>16}")
    for mode, result in modes.items():
        print(f"{mode}-accuracy mode: load {result['load_s']:.1f} s, +{result['mb']} MB, {result['ms']:.2f} ms/message")
    misses = [(row, got) for row, got in zip(rows, modes["high"]["found"], strict=True) if got != row["language"]]
    print(f"misses of the default (high) mode: {len(misses)}")
    for row, got in misses:
        print(f"  {row['language']} -> {got}{' (short)' if row['short'] else ''}: {row['text']}")


if __name__ == "__main__":
    main()
