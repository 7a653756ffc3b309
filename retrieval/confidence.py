"""Calibrated probabilities from a query's search features, and the answer / clarify / none decision on them.

Features of a query's best article: its fused score, its margins to the 2nd and 3rd articles, its best
cosine and BM25, and the weight of the query's words the KB never uses (`retrieval.vocabulary`). Two
logistic models read them: `answer` gives the probability that the best article is the right one (the
`confidence`), `offer` the probability that the right one is among the first three. Both are fit per
index from held-out questions and negatives (`retrieval.calibration`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

FEATURES = ("score", "margin_2nd", "margin_3rd", "cosine", "bm25", "unknown_terms")
MAX_MARGIN = 10.0
# Risk choices: answer outright from this confidence; else ask between 2–3 articles when the right one is
# at least this likely among them; else say the KB has nothing. A third article is offered when its
# fused score is within THIRD_GAP of the second's.
ANSWER_AT, CLARIFY_AT, THIRD_GAP = 0.7, 0.5, 1.0
DEFAULT_TAU_HEAD, DEFAULT_TAU_PLAIN = -3.0, -1.6


def features(top: np.ndarray, cosine: np.ndarray, bm25: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """(queries × FEATURES) from the three best fused scores per query (−inf where there are fewer)."""
    top = np.asarray(top, dtype=np.float64)
    margins = np.minimum(top[:, :1] - top[:, 1:3], MAX_MARGIN)
    return np.column_stack([top[:, 0], margins, cosine, bm25, unknown])


@dataclass
class Logistic:
    """p = sigmoid(weights · (x − mean) / scale + bias)."""

    weights: list[float]
    bias: float
    mean: list[float] = field(default_factory=lambda: [0.0] * len(FEATURES))
    scale: list[float] = field(default_factory=lambda: [1.0] * len(FEATURES))

    def probability(self, x: np.ndarray) -> np.ndarray:
        """Probabilities for a (queries × FEATURES) array."""
        z = (np.atleast_2d(x) - self.mean) / self.scale @ np.asarray(self.weights) + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def fit_logistic(x: np.ndarray, labels: np.ndarray, weights: np.ndarray, *, l2: float = 1e-2) -> Logistic:
    """Weighted logistic regression on standardized features (Newton steps, a small L2 penalty)."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = np.column_stack([(x - mean) / scale, np.ones(len(x))])
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2 * weights.sum())
    penalty[-1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ beta, -40, 40)))
        gradient = z.T @ (weights * (p - labels)) + penalty * beta
        hessian = (z * (weights * p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-7:
            break
    return Logistic(beta[:-1].tolist(), float(beta[-1]), mean.tolist(), scale.tolist())


@dataclass
class Calibration:
    """An index's two models; `method` is "held-out" (fit on its questions and negatives) or "default"."""

    answer: Logistic
    offer: Logistic
    method: str
    positives: int = 0
    negatives: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Calibration:
        """The inverse of `to_dict`."""
        return cls(**data | {"answer": Logistic(**data["answer"]), "offer": Logistic(**data["offer"])})


def default_calibration(*, with_head: bool) -> Calibration:
    """The fallback when a KB has too few questions to hold out: confidence from the fused score alone."""
    tau = DEFAULT_TAU_HEAD if with_head else DEFAULT_TAU_PLAIN
    answer = Logistic([1.0, 0.0, 0.0, 0.0, 0.0, -2.0], -tau)
    offer = Logistic([1.0, 0.0, 0.0, 0.0, 0.0, -2.0], 1.0 - tau)
    return Calibration(answer, offer, "default")


def decide(confidence: float, in_top3: float, top: np.ndarray, answer_at: float = ANSWER_AT) -> tuple[str, int]:
    """(decision, how many articles to offer) from the two probabilities and the best fused scores."""
    if confidence >= answer_at:
        return "answer", 1
    if in_top3 >= CLARIFY_AT and len(top) >= 2:
        return "clarify", 3 if len(top) >= 3 and top[1] - top[2] <= THIRD_GAP else 2
    return "none", 0
