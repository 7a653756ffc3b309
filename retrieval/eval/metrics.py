"""Scoring a retriever's decisions on labelled queries (expected article id, or None when no article answers).

Always reported together: right answers outright and right article offered in a clarify (over the
answerable questions), wrong answers as a share of all answers, unanswerable questions given `none`,
and the clarify rate over all questions; then the same against the answer threshold, the right answers at the
lowest threshold that leaves 85 % of the unanswerable unanswered (CLINC150's target is read there: ≥ 95 %), and the
reliability of the confidence (its expected calibration error over ten bins).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.confidence import decide
from retrieval.retriever import Retriever

REPO = Path(__file__).resolve().parents[2]
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
HELD_BACK = 0.85  # the operating point: the lowest threshold that leaves this share of the unanswerable unanswered


@dataclass
class Outcome:
    """Per query: its label, what search decided and offered, and what a different threshold needs."""

    expected: str | None
    decision: str
    offered: list[str]
    ranked: list[str]
    confidence: float
    in_top3: float
    scores: list[float]

    @property
    def top(self) -> str | None:
        """The best article."""
        return self.ranked[0] if self.ranked else None


def run(retriever: Retriever, queries: Sequence[tuple[str, str | None]]) -> tuple[list[Outcome], list[float]]:
    """Search every query; returns the outcomes and the per-query latencies of `search` in seconds."""
    outcomes, latencies = [], []
    for text, expected in queries:
        started = time.perf_counter()
        result = retriever.search(text, top_k=3)
        latencies.append(time.perf_counter() - started)
        found = retriever._snapshot.search(retriever.embedder.encode_query(text), text, 3)
        offered = [hit["article_id"] for hit in result["offered"]]
        ranked = [hit["article_id"] for hit in result["hits"]]
        scores = [hit.score for hit in found.hits]
        outcomes.append(
            Outcome(expected, result["decision"], offered, ranked, result["confidence"], found.in_top3, scores)
        )
    return outcomes, latencies


def at_threshold(outcomes: Sequence[Outcome], answer_at: float) -> list[Outcome]:
    """The outcomes as they would be with another answer threshold."""
    changed = []
    for o in outcomes:
        decision, count = decide(o.confidence, o.in_top3, o.scores, answer_at)
        changed.append(Outcome(o.expected, decision, o.ranked[:count], o.ranked, o.confidence, o.in_top3, o.scores))
    return changed


def operating_point(outcomes: Sequence[Outcome], held_back: float = HELD_BACK) -> tuple[float, float] | None:
    """(the lowest answer threshold at which `held_back` of the unanswerable questions are not answered, the share of
    the answerable answered outright with the right article there), or None without both kinds of question."""
    unanswerable = np.sort([o.confidence for o in outcomes if o.expected is None])
    if not len(unanswerable) or all(o.expected is None for o in outcomes):
        return None
    needed = int(np.ceil(held_back * len(unanswerable) - 1e-9))  # how many must fall below the threshold
    threshold = float(np.nextafter(unanswerable[needed - 1], np.inf)) if needed else 0.0
    return threshold, summary(at_threshold(outcomes, threshold))["right_answer"]


def summary(outcomes: Sequence[Outcome]) -> dict:
    """The four figures and the clarify rate (None where a kind of question is absent)."""
    inside = [o for o in outcomes if o.expected is not None]
    outside = [o for o in outcomes if o.expected is None]
    answers = [o for o in outcomes if o.decision == "answer"]

    def share(items, test) -> float | None:
        return float(np.mean([test(o) for o in items])) if items else None

    return {
        "right_answer": share(inside, lambda o: o.decision == "answer" and o.top == o.expected),
        "right_in_clarify": share(inside, lambda o: o.decision == "clarify" and o.expected in o.offered),
        "wrong_of_answers": share(answers, lambda o: o.top != o.expected),
        "unanswerable_none": share(outside, lambda o: o.decision == "none"),
        "unanswerable_not_answered": share(outside, lambda o: o.decision != "answer"),
        "clarify_rate": share(outcomes, lambda o: o.decision == "clarify"),
        "answerable": len(inside),
        "unanswerable": len(outside),
    }


def reliability(outcomes: Sequence[Outcome], bins: int = 10) -> tuple[list[tuple[float, float, float, int]], float]:
    """([(bin low, mean confidence, share right, count)], expected calibration error) of "the top is right"."""
    confidence = np.array([o.confidence for o in outcomes])
    right = np.array([o.top == o.expected and o.expected is not None for o in outcomes], dtype=float)
    rows, error = [], 0.0
    for number in range(bins):
        low, high = number / bins, (number + 1) / bins
        inside = (confidence >= low) & ((confidence < high) if number < bins - 1 else (confidence <= high))
        if inside.any():
            rows.append((low, float(confidence[inside].mean()), float(right[inside].mean()), int(inside.sum())))
            error += inside.sum() / len(outcomes) * abs(confidence[inside].mean() - right[inside].mean())
    return rows, float(error)


def percent(value: float | None) -> str:
    """A share as a percentage with one decimal, or "n/a"."""
    return "n/a" if value is None else f"{value * 100:.1f}"


def report(name: str, outcomes: Sequence[Outcome], answer_at: float) -> None:
    """Print the figures, the curve against the answer threshold and the reliability curve."""
    figures = summary(outcomes)
    print(f"\n{name}: {figures['answerable']} answerable, {figures['unanswerable']} unanswerable questions")
    print(f"  answer threshold {answer_at:.2f} (the index's default)")
    print(f"  answerable: right article answered outright      {percent(figures['right_answer']):>6} %")
    print(f"  answerable: right article offered in a clarify   {percent(figures['right_in_clarify']):>6} %")
    print(f"  wrong answers, as a share of all answers         {percent(figures['wrong_of_answers']):>6} %")
    print(f"  unanswerable: given none                         {percent(figures['unanswerable_none']):>6} %")
    print(f"  unanswerable: not answered (none or clarify)     {percent(figures['unanswerable_not_answered']):>6} %")
    print(f"  clarify, as a share of all questions             {percent(figures['clarify_rate']):>6} %")
    print("  curve against the answer threshold:")
    print(f"    {'threshold':>9} {'right':>6} {'+clarify':>8} {'wrong/ans':>9} {'none':>6} {'clarify':>7}")
    for threshold in THRESHOLDS:
        row = summary(at_threshold(outcomes, threshold))
        answered_or_offered = (row["right_answer"] or 0) + (row["right_in_clarify"] or 0) if row["answerable"] else None
        print(
            f"    {threshold:>9.2f} {percent(row['right_answer']):>6} {percent(answered_or_offered):>8} "
            f"{percent(row['wrong_of_answers']):>9} {percent(row['unanswerable_none']):>6} "
            f"{percent(row['clarify_rate']):>7}"
        )
    if (point := operating_point(outcomes)) is not None:
        print(
            f"  at {HELD_BACK * 100:.0f} % of the unanswerable not answered (threshold {point[0]:.3f}): "
            f"right article answered outright {percent(point[1])} %"
        )
    rows, error = reliability(outcomes)
    print(f"  reliability of the confidence (expected calibration error {error:.3f}):")
    print(f"    {'bin':>7} {'mean confidence':>15} {'share right':>11} {'queries':>7}")
    for low, mean, right, count in rows:
        print(f"    {low:>4.1f}–{low + 0.1:.1f} {mean:>15.2f} {right:>11.2f} {count:>7}")
