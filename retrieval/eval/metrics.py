"""Scoring a retriever on labelled queries (expected article id, or None for "should not answer") and plotting."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.retriever import Retriever

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Outcome:
    """Per query: its label, the top article, the confidence and whether it was answerable."""

    expected: str | None
    top: str | None
    confidence: float
    answerable: bool


def run(retriever: Retriever, queries: Sequence[tuple[str, str | None]]) -> tuple[list[Outcome], list[float]]:
    """Search every query (top 1); returns the outcomes and the per-query latencies in seconds."""
    outcomes, latencies = [], []
    for text, expected in queries:
        started = time.perf_counter()
        result = retriever.search(text, top_k=1)
        latencies.append(time.perf_counter() - started)
        top = result["hits"][0]["article_id"] if result["hits"] else None
        outcomes.append(Outcome(expected, top, result["confidence"], result["answerable"]))
    return outcomes, latencies


def summary(outcomes: Sequence[Outcome]) -> dict:
    """In-scope accuracy (right article and answerable), top-1 accuracy, out-of-scope recall (not answerable)."""
    inside = [o for o in outcomes if o.expected is not None]
    outside = [o for o in outcomes if o.expected is None]
    return {
        "in_scope_accuracy": float(np.mean([o.top == o.expected and o.answerable for o in inside])) if inside else None,
        "top1_accuracy": float(np.mean([o.top == o.expected for o in inside])) if inside else None,
        "oos_recall": float(np.mean([not o.answerable for o in outside])) if outside else None,
        "in_scope": len(inside),
        "out_of_scope": len(outside),
    }


def curve(outcomes: Sequence[Outcome]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(thresholds, in-scope accuracy, out-of-scope recall) for every confidence threshold."""
    right = np.array([o.top == o.expected for o in outcomes if o.expected is not None])
    conf_in = np.array([o.confidence for o in outcomes if o.expected is not None])
    conf_out = np.array([o.confidence for o in outcomes if o.expected is None])
    thresholds = np.unique(np.concatenate([[0.0, 1.0], conf_in, conf_out]))
    accuracy = np.array([np.mean(right & (conf_in >= t)) for t in thresholds])
    recall = np.array([np.mean(conf_out < t) for t in thresholds])
    return thresholds, accuracy, recall


def best_at(outcomes: Sequence[Outcome], min_recall: float) -> tuple[float, float, float] | None:
    """The best in-scope accuracy with out-of-scope recall ≥ min_recall, as (accuracy, recall, threshold)."""
    thresholds, accuracy, recall = curve(outcomes)
    ok = np.flatnonzero(recall >= min_recall)
    if not len(ok):
        return None
    best = ok[np.argmax(accuracy[ok])]
    return float(accuracy[best]), float(recall[best]), float(thresholds[best])


def plot(curves: dict[str, Sequence[Outcome]], marks: dict[str, dict], path: Path, title: str) -> Path:
    """Plot in-scope accuracy against out-of-scope recall over thresholds; mark the calibrated operating points."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6.4, 4.8))
    for number, (name, outcomes) in enumerate(curves.items()):
        _, accuracy, recall = curve(outcomes)
        line = axes.plot(recall * 100, accuracy * 100, label=name)[0]
        mark = marks.get(name)
        if mark:
            point = (mark["oos_recall"] * 100, mark["in_scope_accuracy"] * 100)
            axes.scatter([point[0]], [point[1]], color=line.get_color(), zorder=3)
            axes.annotate(
                f"{name} calibrated: {point[1]:.1f} in-scope / {point[0]:.1f} OOS",
                point,
                textcoords="offset points",
                xytext=(-230, -25 - 14 * number),
                color=line.get_color(),
            )
    axes.set_xlabel("out-of-scope recall (%)")
    axes.set_ylabel("in-scope accuracy (%)")
    axes.set_xlim(50, 100)
    axes.set_ylim(50, 100)
    axes.grid(alpha=0.3)
    axes.legend(loc="lower left")
    axes.set_title(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(figure)
    return path


def percent(value: float | None) -> str:
    """A share as a percentage with one decimal, or "n/a"."""
    return "n/a" if value is None else f"{value * 100:.1f}"
