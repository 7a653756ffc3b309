"""The fused article score, and its per-index calibration from the KB's own questions held out in turn.

An article's fused score for a query is

    log P_head(article | query) + ALPHA * log(max(cos, 0.05)) + BETA * bm25

where cos is the best cosine between the query and the article's entries and bm25 the best normalized
BM25 of its entries (the head term is left out when the index has no head). Calibration holds out
(a) single questions — each fold's questions are removed from the entries, the head is refit, and the
folds' questions are searched: the in-scope scores; and (b) whole articles — a fold's articles are
removed entirely and their questions searched: realistic unanswerable scores. The threshold `tau`
maximizes in-scope accuracy + WEIGHT × unanswerable recall on those (WEIGHT_TUNED when the model was
fine-tuned on the KB, which then holds out only what tuning did not see); `confidence = sigmoid(slope ×
(score − tau))`, with the slope fit by logistic regression, so confidence 0.5 is the decision boundary.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import cached_property

import numpy as np

from retrieval.head import Head, fit_head
from retrieval.lexical import LexicalSegment, LexicalView

ALPHA, BETA = 4.0, 2.0  # BETA: neutral on CLINC150 val (1, 2, 3 within noise); 2 makes exact codes count
RECIPE = 3  # bump when scoring or calibration changes: the next re-index refits even if no article changed
COS_FLOOR = 0.05
# A code the customer typed (a token with letters and digits, such as E-204) that names an article in its
# title decides between articles that are otherwise alike ("my hub says E-204" is not the hub-offline one).
CODE_BONUS = 3.0
WEIGHT, WEIGHT_TUNED = 0.1, 0.05  # chosen on CLINC150 val: the best in-scope accuracy with OOS recall ≥ 85
FOLDS = 5
MAX_QUERIES = 3000  # per kind of hold-out; more questions than this are sampled
MIN_QUESTIONS = 20
BATCH = 256  # queries scored at once (bounds the queries × entries arrays)
DEFAULT_TAU_HEAD, DEFAULT_TAU_PLAIN, DEFAULT_SLOPE = -3.0, -1.6, 1.0


def fuse(
    log_prob: np.ndarray | float, cos: np.ndarray, lexical: np.ndarray, code_in_title: np.ndarray | float = 0.0
) -> np.ndarray:
    """The fused score from the head's log-probability (0 without a head), best cosine, best BM25 and whether
    a code from the query is in the article's title."""
    return log_prob + ALPHA * np.log(np.maximum(cos, COS_FLOOR)) + BETA * lexical + CODE_BONUS * code_in_title


@dataclass
class Calibration:
    """Where an index answers: `confidence = sigmoid(slope * (score - tau))`; `method` is "held-out" or "default"."""

    tau: float
    slope: float
    method: str
    in_scope: int = 0
    unanswerable: int = 0
    in_scope_accuracy: float | None = None
    unanswerable_recall: float | None = None

    def confidence(self, scores: np.ndarray) -> np.ndarray:
        """Calibrated confidence in [0, 1] for fused scores."""
        return 1.0 / (1.0 + np.exp(-self.slope * (np.asarray(scores, dtype=np.float64) - self.tau)))

    def to_dict(self) -> dict:
        """JSON-ready data."""
        return asdict(self)


def default_calibration(*, with_head: bool) -> Calibration:
    """The fallback when a KB has too few questions to hold out (fewer than 20, or under 3 articles with any)."""
    return Calibration(DEFAULT_TAU_HEAD if with_head else DEFAULT_TAU_PLAIN, DEFAULT_SLOPE, "default")


@dataclass
class Entries:
    """All live entries of an index under construction, grouped by article (`starts[a]` = first row of article a)."""

    vectors: np.ndarray
    articles: np.ndarray
    kinds: np.ndarray
    texts: list[str]
    count: int

    @cached_property
    def starts(self) -> np.ndarray:
        """First row of each article's entries (entries are sorted by article)."""
        return np.searchsorted(self.articles, np.arange(self.count))

    @cached_property
    def lexical(self) -> LexicalSegment:
        """The entries' term frequencies."""
        return LexicalSegment.from_texts(self.texts)


def article_scores(
    entries: Entries, queries: np.ndarray, texts: Sequence[str], mask: np.ndarray, head: Head | None, live: np.ndarray
) -> np.ndarray:
    """Fused scores (queries × articles) with only the `mask` entries and `live` articles indexed."""
    lexical = LexicalView([entries.lexical], [mask]).score_matrix(texts)
    cos = queries @ entries.vectors.T
    cos[:, ~mask] = -1.0
    lexical[:, ~mask] = 0.0
    starts = entries.starts
    best_cos = np.maximum.reduceat(cos, starts, axis=1)
    best_lex = np.maximum.reduceat(lexical, starts, axis=1)
    log_prob = head.log_probs(queries, live) if head is not None else 0.0
    scores = fuse(log_prob, best_cos, best_lex)
    scores[:, ~live] = -np.inf
    return scores


def _folds(items: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """Split items at random into FOLDS groups."""
    return [part for part in np.array_split(rng.permutation(items), FOLDS) if len(part)]


def calibrate(
    entries: Entries,
    *,
    with_head: bool,
    unseen_entries: np.ndarray | None = None,
    unseen_articles: np.ndarray | None = None,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> Calibration:
    """Hold out questions, then whole articles, and fit tau and the slope on the fused scores.

    Args:
        entries: The index's live entries.
        with_head: Whether the index has a softmax head (it is refit without the held-out entries).
        unseen_entries: Entries the embedding model was not tuned on (only their questions are held out).
            Defaults to None: all of them.
        unseen_articles: Articles the model was not tuned on (only they are held out whole). Defaults to None: all.
        seed: Random seed for the folds and sampling. Defaults to 0.
        progress: Called as progress(done, total) after each fold.
    """
    rng = np.random.default_rng(seed)
    usable = entries.kinds == "question"
    if unseen_entries is not None:
        usable &= unseen_entries
    questions = np.flatnonzero(usable)
    asked = np.unique(entries.articles[questions])
    if unseen_articles is not None:
        asked = asked[unseen_articles[asked]]
    if len(questions) < MIN_QUESTIONS or len(asked) < 3:
        return default_calibration(with_head=with_head)
    questions = rng.permutation(questions)[:MAX_QUERIES]
    every = np.ones(entries.count, dtype=bool)
    runs = [("in", fold) for fold in _folds(questions, rng)] + [("out", fold) for fold in _folds(asked, rng)]
    in_scores, in_right, out_scores = [], [], []
    for done, (kind, fold) in enumerate(runs, start=1):
        if kind == "in":
            mask, live, queries = np.ones(len(entries.texts), dtype=bool), every, fold
            mask[fold] = False
        else:
            live = every.copy()
            live[fold] = False
            mask = live[entries.articles]
            held = questions[np.isin(entries.articles[questions], fold)]
            queries = held[: max(1, MAX_QUERIES // FOLDS)]
        head = fit_head(entries.vectors[mask], entries.articles[mask], entries.count) if with_head else None
        for batch in np.array_split(queries, -(-len(queries) // BATCH)):
            texts = [entries.texts[i] for i in batch]
            scores = article_scores(entries, entries.vectors[batch], texts, mask, head, live)
            if kind == "in":
                in_scores.append(scores.max(axis=1))
                in_right.append(scores.argmax(axis=1) == entries.articles[batch])
            else:
                out_scores.append(scores.max(axis=1))
        if progress:
            progress(done, len(runs))
    weight = WEIGHT if unseen_entries is None else WEIGHT_TUNED
    return fit_threshold(np.concatenate(in_scores), np.concatenate(in_right), np.concatenate(out_scores), weight=weight)


def fit_threshold(
    in_scores: np.ndarray, in_right: np.ndarray, out_scores: np.ndarray, *, weight: float = WEIGHT
) -> Calibration:
    """Pick tau maximizing in-scope accuracy + weight × unanswerable recall (default 0.1), then fit the slope."""
    candidates = np.unique(np.concatenate([in_scores, out_scores]))
    ordered_in = np.sort(in_scores[in_right])
    ordered_out = np.sort(out_scores)
    accepted_right = (len(ordered_in) - np.searchsorted(ordered_in, candidates, side="left")) / len(in_scores)
    rejected_out = np.searchsorted(ordered_out, candidates, side="left") / len(out_scores)
    best = int(np.argmax(accepted_right + weight * rejected_out))
    tau = float(candidates[best])
    slope = _fit_slope(
        np.concatenate([in_scores, out_scores]) - tau, np.concatenate([in_right, np.zeros(len(out_scores), bool)])
    )
    return Calibration(
        tau=tau,
        slope=slope,
        method="held-out",
        in_scope=len(in_scores),
        unanswerable=len(out_scores),
        in_scope_accuracy=round(float(accepted_right[best]), 4),
        unanswerable_recall=round(float(rejected_out[best]), 4),
    )


def _fit_slope(offsets: np.ndarray, labels: np.ndarray, *, steps: int = 200) -> float:
    """Logistic regression without intercept on score − tau (Newton steps on one parameter)."""
    slope = DEFAULT_SLOPE
    offsets = np.clip(offsets, -50, 50)
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-slope * offsets))
        gradient = float(((p - labels) * offsets).sum())
        curvature = float((p * (1 - p) * offsets * offsets).sum()) + 1e-6
        step = gradient / curvature
        slope = float(np.clip(slope - step, 0.1, 100.0))
        if abs(step) < 1e-6:
            break
    return slope
