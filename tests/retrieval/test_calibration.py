"""Calibration and tuning helpers, without the model."""

import numpy as np
import pytest

from retrieval.articles import Article
from retrieval.calibration import fit_threshold
from retrieval.store import IndexBusy
from retrieval.tuning import split, worth_tuning


def test_threshold_separates_in_scope_from_unanswerable_scores():
    rng = np.random.default_rng(0)
    inside, outside = rng.normal(0.0, 0.5, 400), rng.normal(-4.0, 0.5, 400)
    calibration = fit_threshold(inside, np.ones(400, dtype=bool), outside)
    assert -3.0 < calibration.tau < -0.5 and calibration.method == "held-out"
    assert calibration.in_scope_accuracy > 0.95 and calibration.unanswerable_recall > 0.9
    assert calibration.confidence(np.array([calibration.tau]))[0] == pytest.approx(0.5)
    assert calibration.confidence(np.array([0.0]))[0] > 0.9 > 0.1 > calibration.confidence(np.array([-4.0]))[0]


def test_tuning_holds_out_a_fifth_of_articles_and_of_questions():
    articles = [
        Article(id=f"a{i}", title=f"T{i}", body="", questions=tuple(f"q{i}-{j}" for j in range(10))) for i in range(30)
    ]
    assert worth_tuning(articles[:25]) is False and worth_tuning(articles * 2) is True
    train, held = split(articles)
    assert len(held) == 6 and not held & set(train)
    assert all(len(questions) == 8 for questions in train.values())


def test_a_second_writer_is_refused(built):
    with built.store.writing(), pytest.raises(IndexBusy):
        built.remove("refunds")
