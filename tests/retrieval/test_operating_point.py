"""`make eval`'s operating point: right answers at the lowest threshold holding back 85 % of the unanswerable."""

from __future__ import annotations

import pytest

from retrieval.eval.metrics import Outcome, at_threshold, operating_point, summary


def outcome(expected: str | None, top: str, confidence: float) -> Outcome:
    """A search outcome with one ranked article (an answer at the default threshold when confidence ≥ 0.7)."""
    return Outcome(expected, "answer", [top], [top], confidence, confidence, [1.0])


def test_the_threshold_is_just_above_the_unanswerable_question_it_must_hold_back():
    unanswerable = [outcome(None, "a", c / 20) for c in range(20)]  # 0.00, 0.05, …, 0.95
    answerable = [outcome("a", "a", 0.95), outcome("a", "a", 0.85), outcome("a", "a", 0.80), outcome("a", "b", 0.99)]
    threshold, right = operating_point(unanswerable + answerable)
    assert threshold == pytest.approx(0.80, abs=1e-6) and threshold > 0.80  # 17 of 20 fall below it
    assert right == pytest.approx(2 / 4)  # the 0.80 answer is held back too; the 0.99 one is the wrong article
    moved = summary(at_threshold(unanswerable + answerable, threshold))
    assert moved["unanswerable_not_answered"] == pytest.approx(0.85)
    assert moved["right_answer"] == pytest.approx(right)


def test_no_operating_point_without_both_kinds_of_question():
    assert operating_point([outcome("a", "a", 0.9)]) is None
    assert operating_point([outcome(None, "a", 0.9)]) is None
