"""A softmax head over the articles, fit on the KB's own entries when an index is built.

Each article's weight row is its prototype (the normalized mean of its entry embeddings) plus a learned
correction kept small by weight decay, so an article added after the fit still has a sensible row: its
prototype with a zero correction. A passage of the body weighs PASSAGE_WEIGHT times a title or question in
the prototypes and the fit: with a handful of questions per article, equal weights bend each article
towards the wording of its few questions (measured on the demo KB's questions, each left out of the
index in turn: top-1 81.5 % at weight 1, 82.6 at 1.5, 83.7 at 2, 84.8 at 4 and at 6; `retrieval.eval.ranking`).
An article added after the fit keeps the plain mean as its row: without a learned correction, its
questions would otherwise count for little until the next re-index.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SCALE = 16.0
PASSAGE_WEIGHT = 4.0
MAX_WORK = 6_000_000  # entries × articles above which no head is fit (the fit would take minutes)


def entry_weights(kinds: np.ndarray) -> np.ndarray:
    """Each entry's weight in the head: PASSAGE_WEIGHT for a passage ("chunk"), 1 for a title or a question."""
    return np.where(np.asarray(kinds) == "chunk", PASSAGE_WEIGHT, 1.0)


def prototypes(vectors: np.ndarray, labels: np.ndarray, count: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Normalized (weighted) mean embedding per label (zero rows for labels without entries)."""
    sums = np.zeros((count, vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, labels, vectors if weights is None else vectors * weights[:, None])
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return (sums / np.maximum(norms, 1e-9)).astype(np.float32)


@dataclass
class Head:
    """Softmax weights (articles × dim) and biases; `logits(x) = SCALE * W @ x + b`."""

    weights: np.ndarray
    bias: np.ndarray

    def scores(self, queries: np.ndarray, live: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(log-softmax over the articles, the largest logit) per row of a (queries × dim) array; articles with
        `live` False get -inf. The largest logit says how near the query is to any article at all, which the
        softmax, normalized over the articles, leaves out."""
        logits = SCALE * queries @ self.weights.T + self.bias
        if live is not None:
            logits[:, ~live] = -np.inf
        top = logits.max(axis=1, keepdims=True)
        return logits - top - np.log(np.exp(logits - top).sum(axis=1, keepdims=True)), top[:, 0]


def worth_fitting(entries: int, articles: int) -> bool:
    """Whether a head is fit for an index of this size (entries × articles ≤ 6 million)."""
    return articles >= 2 and entries * articles <= MAX_WORK


def fit_head(
    vectors: np.ndarray,
    labels: np.ndarray,
    count: int,
    *,
    weights: np.ndarray | None = None,
    weight_decay: float = 1e-3,
    steps: int = 200,
    learning_rate: float = 0.05,
) -> Head:
    """Fit the head with full-batch Adam on cross-entropy plus weight decay on the correction.

    Args:
        vectors: (n, dim) unit embeddings of the entries.
        labels: (n,) article index of each entry, in [0, count).
        count: Number of articles (rows); articles without entries keep their zero prototype.
        weights: (n,) weight of each entry (`entry_weights`). Defaults to None: all 1.
        weight_decay: L2 penalty on the correction to the prototypes. Defaults to 1e-3.
        steps: Adam steps. Defaults to 200.
        learning_rate: Adam step size. Defaults to 0.05.
    """
    share = np.ones(len(labels)) if weights is None else np.asarray(weights, dtype=np.float64)
    share = (share / share.sum())[:, None]
    base = prototypes(vectors, labels, count, weights)
    delta, bias = np.zeros_like(base), np.zeros(count, dtype=np.float32)
    moments = [np.zeros_like(delta), np.zeros_like(delta), np.zeros_like(bias), np.zeros_like(bias)]
    onehot_rows = np.arange(len(labels))
    for step in range(1, steps + 1):
        logits = SCALE * vectors @ (base + delta).T + bias
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        probs[onehot_rows, labels] -= 1.0
        probs *= share
        grads = (SCALE * probs.T @ vectors + 2 * weight_decay * delta, probs.sum(axis=0))
        for i, (param, grad) in enumerate(zip((delta, bias), grads, strict=True)):
            first, second = moments[2 * i], moments[2 * i + 1]
            first *= 0.9
            first += 0.1 * grad
            second *= 0.999
            second += 0.001 * grad * grad
            param -= learning_rate * (first / (1 - 0.9**step)) / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
    return Head(weights=(base + delta).astype(np.float32), bias=bias.astype(np.float32))
