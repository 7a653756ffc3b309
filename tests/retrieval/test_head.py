"""The softmax head's entry weights: an article's passages weigh more than its few questions."""

from __future__ import annotations

import numpy as np

from retrieval.head import PASSAGE_WEIGHT, entry_weights, fit_head, prototypes


def test_passages_weigh_more_than_titles_and_questions():
    assert entry_weights(np.array(["title", "question", "chunk"])).tolist() == [1.0, 1.0, PASSAGE_WEIGHT]


def test_a_weighted_prototype_leans_towards_the_passage():
    vectors = np.eye(3, dtype=np.float32)[:2]  # a question along x, a passage along y
    labels = np.zeros(2, dtype=np.int64)
    plain = prototypes(vectors, labels, 1)[0]
    weighted = prototypes(vectors, labels, 1, entry_weights(np.array(["question", "chunk"])))[0]
    assert np.isclose(plain[0], plain[1]) and weighted[1] > weighted[0] > 0


def test_equal_weights_fit_the_same_head_as_none():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(12, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    labels = np.repeat(np.arange(3), 4)
    plain = fit_head(vectors, labels, 3, steps=20)
    same = fit_head(vectors, labels, 3, weights=np.full(12, 2.0), steps=20)
    assert np.allclose(plain.weights, same.weights, atol=1e-5) and np.allclose(plain.bias, same.bias, atol=1e-5)
