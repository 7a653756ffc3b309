"""A softmax head over the articles, fit on the KB's own entries when an index is built.

Each article's weight row is its prototype (the normalized mean of its entry embeddings) plus a learned
correction kept small by weight decay, so an article added after the fit still has a sensible row: its
prototype with a zero correction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SCALE = 16.0
MAX_WORK = 6_000_000  # entries × articles above which no head is fit (the fit would take minutes)


def prototypes(vectors: np.ndarray, labels: np.ndarray, count: int) -> np.ndarray:
    """Normalized mean embedding per label (zero rows for labels without entries)."""
    sums = np.zeros((count, vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, labels, vectors)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return (sums / np.maximum(norms, 1e-9)).astype(np.float32)


@dataclass
class Head:
    """Softmax weights (articles × dim) and biases; `logits(x) = SCALE * W @ x + b`."""

    weights: np.ndarray
    bias: np.ndarray

    def log_probs(self, queries: np.ndarray, live: np.ndarray | None = None) -> np.ndarray:
        """Log-softmax over the articles for a (queries × dim) array; articles with `live` False get -inf."""
        logits = SCALE * queries @ self.weights.T + self.bias
        if live is not None:
            logits[:, ~live] = -np.inf
        top = logits.max(axis=1, keepdims=True)
        return logits - top - np.log(np.exp(logits - top).sum(axis=1, keepdims=True))


def worth_fitting(entries: int, articles: int) -> bool:
    """Whether a head is fit for an index of this size (entries × articles ≤ 6 million)."""
    return articles >= 2 and entries * articles <= MAX_WORK


def fit_head(
    vectors: np.ndarray,
    labels: np.ndarray,
    count: int,
    *,
    weight_decay: float = 1e-3,
    steps: int = 200,
    learning_rate: float = 0.05,
) -> Head:
    """Fit the head with full-batch Adam on cross-entropy plus weight decay on the correction.

    Args:
        vectors: (n, dim) unit embeddings of the entries.
        labels: (n,) article index of each entry, in [0, count).
        count: Number of articles (rows); articles without entries keep their zero prototype.
        weight_decay: L2 penalty on the correction to the prototypes. Defaults to 1e-3.
        steps: Adam steps. Defaults to 200.
        learning_rate: Adam step size. Defaults to 0.05.
    """
    base = prototypes(vectors, labels, count)
    delta, bias = np.zeros_like(base), np.zeros(count, dtype=np.float32)
    moments = [np.zeros_like(delta), np.zeros_like(delta), np.zeros_like(bias), np.zeros_like(bias)]
    onehot_rows = np.arange(len(labels))
    for step in range(1, steps + 1):
        logits = SCALE * vectors @ (base + delta).T + bias
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        probs[onehot_rows, labels] -= 1.0
        probs /= len(labels)
        grads = (SCALE * probs.T @ vectors + 2 * weight_decay * delta, probs.sum(axis=0))
        for i, (param, grad) in enumerate(zip((delta, bias), grads, strict=True)):
            first, second = moments[2 * i], moments[2 * i + 1]
            first *= 0.9
            first += 0.1 * grad
            second *= 0.999
            second += 0.001 * grad * grad
            param -= learning_rate * (first / (1 - 0.9**step)) / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
    return Head(weights=(base + delta).astype(np.float32), bias=bias.astype(np.float32))
