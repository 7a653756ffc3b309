"""Calibrated probabilities from a query's search features, and the answer / clarify / none decision on them.

Features of a query's best article: its fused score, its margins to the 2nd and 3rd articles, its best
cosine and BM25, the share of the query's specific words the KB never uses (`retrieval.vocabulary`), and the
head's largest logit over all articles (how near the query is to any article; 0 in an index without a head). A
logistic model, `offer`, gives the probability that the right article is among the first three; the
`confidence` that the best one is right is that probability times the best's share of the three (a softmax
of their fused scores at a fitted temperature), so two articles that score alike are never more than an
even bet each, however sure the KB is that it covers the question. Both are fit per index from held-out
questions and negatives (`retrieval.calibration`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

import numpy as np

FEATURES = ("score", "margin_2nd", "margin_3rd", "cosine", "bm25", "unknown_share", "head_logit")
MAX_MARGIN = 10.0
# Risk choices: answer outright from this confidence; else ask between 2–3 articles when the right one is
# at least this likely among them; else say the KB has nothing. A third article is offered when its
# fused score is within THIRD_GAP of the second's.
ANSWER_AT, CLARIFY_AT, THIRD_GAP = 0.7, 0.6, 1.0
DEFAULT_TAU_HEAD, DEFAULT_TAU_PLAIN = -3.0, -1.6
TEMPERATURES = np.geomspace(0.25, 4.0, 33)  # the fused-score temperatures a fit chooses from


def features(
    top: np.ndarray, cosine: np.ndarray, bm25: np.ndarray, unknown: np.ndarray, head_logit: np.ndarray
) -> np.ndarray:
    """(queries × FEATURES) from the three best fused scores per query (−inf where there are fewer)."""
    top = np.asarray(top, dtype=np.float64)
    margins = np.minimum(top[:, :1] - top[:, 1:3], MAX_MARGIN)
    return np.column_stack([top[:, 0], margins, cosine, bm25, unknown, head_logit])


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


def share_of_best(x: np.ndarray, temperature: float) -> np.ndarray:
    """The best article's share of the first three (a softmax of fused scores over `temperature`), per query."""
    margins = np.atleast_2d(x)[:, 1:3]
    return 1.0 / (1.0 + np.exp(-margins / temperature).sum(axis=1))


def fit_temperature(x: np.ndarray, best_is_right: np.ndarray) -> float:
    """The temperature under which the best's share is the likeliest account of whether it was the right one
    (fit on held-out questions whose right article was among the first three)."""
    if not len(x):
        return 1.0
    eps = 1e-9

    def log_likelihood(temperature: float) -> float:
        share = np.clip(share_of_best(x, temperature), eps, 1 - eps)
        return float(np.sum(np.where(best_is_right, np.log(share), np.log(1 - share))))

    return float(max(TEMPERATURES, key=log_likelihood))


@dataclass
class Calibration:
    """An index's models; `method` is "held-out" (fit on its questions and negatives) or "default"."""

    offer: Logistic
    temperature: float
    method: str
    positives: int = 0
    negatives: dict = field(default_factory=dict)

    def confidences(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(P(the best article is right), P(the right one is among the first three)) per row of features; an
        index fit before the last features were added reads only the ones it was fit on until it is re-indexed."""
        in_top3 = self.offer.probability(np.atleast_2d(x)[:, : len(self.offer.weights)])
        return in_top3 * share_of_best(x, self.temperature), in_top3

    def to_dict(self) -> dict:
        """JSON-ready data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Calibration:
        """The inverse of `to_dict`; an index written before the temperature was fit reads as 1.0 until re-indexed."""
        known = {key: value for key, value in data.items() if key in {f.name for f in fields(cls)}}
        return cls(**known | {"offer": Logistic(**data["offer"]), "temperature": data.get("temperature", 1.0)})


def default_calibration(*, with_head: bool) -> Calibration:
    """The fallback when a KB has too few questions to hold out: confidence from the fused score alone."""
    tau = DEFAULT_TAU_HEAD if with_head else DEFAULT_TAU_PLAIN
    return Calibration(Logistic([1.0, 0.0, 0.0, 0.0, 0.0, -4.0, 0.0], 1.0 - tau), 1.0, "default")


def decide(confidence: float, in_top3: float, top: np.ndarray, answer_at: float = ANSWER_AT) -> tuple[str, int]:
    """(decision, how many articles to offer) from the two probabilities and the best fused scores."""
    if confidence >= answer_at:
        return "answer", 1
    if in_top3 >= CLARIFY_AT and len(top) >= 2:
        return "clarify", 3 if len(top) >= 3 and top[1] - top[2] <= THIRD_GAP else 2
    return "none", 0
