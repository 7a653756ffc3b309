"""The fused article score, and the per-index fit of the confidence models from held-out questions and negatives.

An article's fused score for a query is

    log P_head(article | query) + ALPHA * log(max(cos, 0.05)) + BETA * bm25 + CODE_BONUS * code_in_title

where cos is the best cosine between the query and the article's entries, bm25 the best normalized BM25
of its entries (the head term is left out when the index has no head), BETA the lexical weight of the
index's language (`retrieval.analysis`: 2 for English, more where the English model reads the language
poorly) and code_in_title 1 when a code the query holds (E-204) is in the article's title. The held-out
questions and negatives below are scored with this same score, the code bonus included (before recipe 8 the
fit left the bonus out, so a question with a code was served a larger score and margin than any the
confidence had been fit on). The confidence models (`retrieval.confidence`) are fit on:

- positives and hard cases: the KB's own questions held out in folds (each fold's questions are removed
  from the entries and from the vocabulary, the head is refit, and they are searched);
- negatives, which need nothing from the KB: (a) the questions of whole articles held out (the KB lacks
  the topic), (b) the generic negative pool of the index's language shipped in `retrieval/data/`
  (`negative_pool.txt` for English, `negative_pool_<language>.txt` for the others), (c) held-out questions
  with their most specific word swapped for a word of that language (wordfreq) the KB never uses (the KB
  lacks the product, brand or feature the question hinges on).

The three negative kinds weigh equally and together half as much as the positives: the confidence is
calibrated for questions of which one in three has no answer in the KB (`UNANSWERABLE_SHARE`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import numpy as np
from wordfreq import top_n_list

from retrieval.analysis import ENGLISH, Analyzer
from retrieval.confidence import Calibration, default_calibration, features, fit_logistic, fit_temperature
from retrieval.head import Head, entry_weights, fit_head
from retrieval.lexical import LexicalSegment, LexicalView
from retrieval.vocabulary import Vocabulary, is_code

ALPHA = 4.0
RECIPE = 12  # bump when scoring or calibration changes: the next re-index refits even if no article changed
COS_FLOOR = 0.05
# A code the customer typed (a token with letters and digits, such as E-204) that names an article in its
# title decides between articles that are otherwise alike ("my hub says E-204" is not the hub-offline one).
CODE_BONUS = 3.0
FOLDS = 5
MAX_QUERIES = 3000  # per kind of hold-out; more questions than this are sampled
MAX_SWAPS = 400
MIN_QUESTIONS = 20
BATCH = 256  # queries scored at once (bounds the queries × entries arrays)
UNANSWERABLE_SHARE = 1 / 3
DATA = Path(__file__).with_name("data")
Embed = Callable[[list[str]], np.ndarray]


def fuse(
    log_prob: np.ndarray | float,
    cos: np.ndarray,
    lexical: np.ndarray,
    beta: float,
    code_in_title: np.ndarray | float = 0.0,
) -> np.ndarray:
    """The fused score from the head's log-probability (0 without a head), best cosine, best BM25 (weighed by
    `beta`, the index language's lexical weight) and whether a code from the query is in the article's title."""
    return log_prob + ALPHA * np.log(np.maximum(cos, COS_FLOOR)) + beta * lexical + CODE_BONUS * code_in_title


def query_codes(text: str, analyzer: Analyzer) -> set[str]:
    """The codes a text holds (terms with letters and digits, such as "e-204"), which `CODE_BONUS` matches to titles."""
    return {t for t in analyzer.terms(text) if is_code(t)}


def pool_file(language: str) -> Path:
    """The shipped negative pool of a language (English's for a language without one)."""
    own = DATA / f"negative_pool_{language}.txt"
    return own if own.exists() else DATA / "negative_pool.txt"


@cache
def negative_pool(language: str = "en") -> tuple[str, ...]:
    """The shipped generic questions no support KB answers, in a language (comment lines left out)."""
    lines = pool_file(language).read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@cache
def _replacement_words(language: str) -> tuple[str, ...]:
    """Everyday-to-rare words of a language (wordfreq's ranks 3,000–30,000) to swap into questions."""
    return tuple(w for w in top_n_list(language, 30_000)[3_000:] if w.isalpha() and len(w) >= 4)


def swap_specific_word(question: str, vocabulary: Vocabulary, rng: np.random.Generator) -> str | None:
    """The question with its most specific word replaced by one the KB never uses (a word of the vocabulary's
    language), or None if it has none."""
    words = [w for w in vocabulary.analyzer.words(question) if vocabulary.specificity(w) > 0.3]
    if not words:
        return None
    target = max(words, key=vocabulary.specificity)
    choices = _replacement_words(vocabulary.analyzer.language)
    for _ in range(20):
        word = choices[rng.integers(len(choices))]
        if not vocabulary.knows(word):
            return re.sub(rf"\b{re.escape(target)}\b", word, question, count=1, flags=re.IGNORECASE)
    return None


@dataclass
class Entries:
    """All live entries of an index under construction, grouped by article (`starts[a]` = first row of article a)."""

    vectors: np.ndarray
    articles: np.ndarray
    kinds: np.ndarray
    texts: list[str]
    count: int
    analyzer: Analyzer = ENGLISH

    @cached_property
    def starts(self) -> np.ndarray:
        """First row of each article's entries (entries are sorted by article)."""
        return np.searchsorted(self.articles, np.arange(self.count))

    @cached_property
    def title_codes(self) -> list[set[str]]:
        """The codes in each article's title (from its title entry), for `CODE_BONUS`."""
        codes: list[set[str]] = [set() for _ in range(self.count)]
        for row in np.flatnonzero(self.kinds == "title"):
            codes[self.articles[row]] |= query_codes(self.texts[row], self.analyzer)
        return codes

    def code_in_title(self, texts: Sequence[str]) -> np.ndarray:
        """(texts × articles) 1.0 where a code of the text is in the article's title, as the served score has it."""
        found = np.zeros((len(texts), self.count))
        for row, text in enumerate(texts):
            codes = query_codes(text, self.analyzer)
            if codes:
                found[row] = [bool(codes & title) for title in self.title_codes]
        return found

    @cached_property
    def lexical(self) -> LexicalSegment:
        """The entries' term frequencies."""
        return LexicalSegment.from_texts(self.texts, self.analyzer)


def article_scores(
    entries: Entries, queries: np.ndarray, texts: Sequence[str], mask: np.ndarray, head: Head | None, live: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fused scores, best cosines and best BM25 (each queries × articles) with only `mask` entries, `live` articles,
    and the head's largest logit per query (0 without a head)."""
    lexical = LexicalView([entries.lexical], [mask], entries.analyzer).score_matrix(texts)
    cos = queries @ entries.vectors.T
    cos[:, ~mask] = -1.0
    lexical[:, ~mask] = 0.0
    starts = entries.starts
    best_cos = np.maximum.reduceat(cos, starts, axis=1)
    best_lex = np.maximum.reduceat(lexical, starts, axis=1)
    log_prob, head_logit = head.scores(queries, live) if head is not None else (0.0, np.zeros(len(queries)))
    scores = fuse(log_prob, best_cos, best_lex, entries.analyzer.lexical_weight, entries.code_in_title(texts))
    scores[:, ~live] = -np.inf
    return scores, best_cos, best_lex, head_logit


def _folds(items: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """Split items at random into FOLDS groups."""
    return [part for part in np.array_split(rng.permutation(items), FOLDS) if len(part)]


def search_features(
    entries: Entries, vectors: np.ndarray, texts: Sequence[str], mask, head, live, vocabulary: Vocabulary
) -> tuple[np.ndarray, np.ndarray]:
    """(features of each query's best article, the articles ranked first to third) in one hold-out run."""
    found, ranked = [], []
    for batch in np.array_split(np.arange(len(texts)), max(1, -(-len(texts) // BATCH))):
        scores, cos, lex, head_logit = article_scores(
            entries, vectors[batch], [texts[i] for i in batch], mask, head, live
        )
        order = np.argsort(-scores, axis=1)[:, :3]
        if order.shape[1] < 3:
            order = np.pad(order, ((0, 0), (0, 3 - order.shape[1])), mode="edge")
        rows = np.arange(len(batch))[:, None]
        top = np.take_along_axis(scores, order, axis=1)
        if scores.shape[1] < 3:
            top[:, scores.shape[1] :] = -np.inf
        unknown = np.array([vocabulary.unknown_share(texts[i]) for i in batch])
        found.append(features(top, cos[rows[:, 0], order[:, 0]], lex[rows[:, 0], order[:, 0]], unknown, head_logit))
        ranked.append(order)
    return np.concatenate(found), np.concatenate(ranked)


def calibrate(
    entries: Entries,
    embed: Embed,
    *,
    with_head: bool,
    unseen_entries: np.ndarray | None = None,
    unseen_articles: np.ndarray | None = None,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> Calibration:
    """Hold out questions, then whole articles; add the negative pool and swapped questions; fit both models.

    Args:
        entries: The index's live entries.
        embed: The index's embedding function (for the pool and the swapped questions).
        with_head: Whether the index has a softmax head (it is refit without the held-out entries).
        unseen_entries: Entries the embedding model was not tuned on (only their questions are held out).
            Defaults to None: all of them.
        unseen_articles: Articles the model was not tuned on (only they are held out whole). Defaults to None: all.
        seed: Random seed for the folds, sampling and swaps. Defaults to 0.
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
    own = set(entries.texts)
    pool = [q for q in negative_pool(entries.analyzer.language) if q not in own]
    pool_vectors = embed(pool)
    pool_parts = np.array_split(np.arange(len(pool)), FOLDS)
    words = [set(entries.analyzer.terms(text)) for text in entries.texts]
    every = np.ones(entries.count, dtype=bool)
    runs = [("in", fold) for fold in _folds(questions, rng)] + [("out", fold) for fold in _folds(asked, rng)]
    x = {"asked": [], "out": [], "pool": [], "swap": []}
    labels, in_top3 = [], []
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
        vocabulary = Vocabulary(set().union(*(words[i] for i in np.flatnonzero(mask))), entries.analyzer)
        head = None
        if with_head:
            head = fit_head(
                entries.vectors[mask], entries.articles[mask], entries.count, weights=entry_weights(entries.kinds[mask])
            )
        texts = [entries.texts[i] for i in queries]
        found, ranked = search_features(entries, entries.vectors[queries], texts, mask, head, live, vocabulary)
        if kind == "out":
            x["out"].append(found)
        else:
            x["asked"].append(found)
            labels.append(ranked[:, 0] == entries.articles[queries])
            in_top3.append((ranked == entries.articles[queries][:, None]).any(axis=1))
            part = pool_parts[len(x["pool"])]
            x["pool"].append(
                search_features(entries, pool_vectors[part], [pool[i] for i in part], mask, head, live, vocabulary)[0]
            )
            swaps = [swap_specific_word(t, vocabulary, rng) for t in texts[: MAX_SWAPS // FOLDS]]
            swaps = [t for t in swaps if t]
            if swaps:
                x["swap"].append(search_features(entries, embed(swaps), swaps, mask, head, live, vocabulary)[0])
        if progress:
            progress(done, len(runs))
    return _fit_models(x, np.concatenate(labels), np.concatenate(in_top3))


def _fit_models(x: dict[str, list[np.ndarray]], right: np.ndarray, in_top3: np.ndarray) -> Calibration:
    """Fit the offer model (the negative kinds weigh equally, UNANSWERABLE_SHARE of the total) and the
    temperature of the best's share (on the positives whose right article was among the first three)."""
    positives = np.concatenate(x["asked"])
    groups = {kind: np.concatenate(parts) for kind, parts in x.items() if kind != "asked" and parts}
    negatives = np.concatenate(list(groups.values()))
    negative_total = len(positives) * UNANSWERABLE_SHARE / (1 - UNANSWERABLE_SHARE)
    weights = np.concatenate(
        [np.ones(len(positives))] + [np.full(len(g), negative_total / len(groups) / len(g)) for g in groups.values()]
    )
    data = np.concatenate([positives, negatives])
    zeros = np.zeros(len(negatives))
    offer = fit_logistic(data, np.concatenate([in_top3, zeros]), weights)
    temperature = fit_temperature(positives[in_top3], right[in_top3])
    counts = {kind: len(g) for kind, g in groups.items()}
    return Calibration(offer, temperature, "held-out", positives=len(positives), negatives=counts)
