"""What the KB never mentions: the share of the query's specific words that are absent from the KB's vocabulary.

A word counts as known when the KB has it, has it in another form (the index language's analyzer: one
simple ending in English, "bulbs", "charging"; the stem in Dutch, Italian and Finnish), or has a word one
typing slip away from it ("pasword"). An unknown word weighs by its rarity in the index's language
(wordfreq's Zipf scale, shipped inside its wheel for en, nl, it, fi and more): "want" (6.0) weighs 0,
"lamp" (4.1) 0.6, "alexa" (3.5) 0.8, a brand invented yesterday 1. A code with letters and digits
("E-999") weighs 1. The query's unknown share is its unknown words' weight over all its words' weight: a
question keeps a small share when the KB has most of its specific words, however much chatty context it adds
("the cam pings me every time a car drives past the house"), one that hinges on a word the KB lacks gets a large
share, and one with a name or code no dictionary has and the KB never uses ("pair my Zorblax bulb", "error E-999")
gets 1, as does one made only of words the KB lacks.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from wordfreq import zipf_frequency

from retrieval.analysis import ENGLISH, PREFIX_MARK, Analyzer

COMMON_ZIPF, RARE_ZIPF = 6.0, 3.0  # a word this common weighs 0, this rare (or rarer) weighs 1
MIN_TYPO_LENGTH = 5


def _deletions(word: str) -> set[str]:
    """Every string made by deleting one letter of `word`."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def is_code(term: str) -> bool:
    """Whether a term is a code: letters and digits together ("e-204")."""
    return any(c.isdigit() for c in term) and any(c.isalpha() for c in term)


@lru_cache(maxsize=65536)
def is_name(word: str, language: str = "en") -> bool:
    """Whether a word is a name no dictionary of the language has (an invented brand, "Zorblax") or a code ("E-999")."""
    if any(c.isdigit() for c in word):
        return is_code(word)
    return zipf_frequency(word, language) == 0


@lru_cache(maxsize=65536)
def specificity(word: str, language: str = "en") -> float:
    """How much a word the KB lacks can matter, in [0, 1]: 0 for everyday words, 1 for rare names and codes."""
    if any(c.isdigit() for c in word):
        return 1.0 if is_code(word) else 0.0
    zipf = zipf_frequency(word, language)
    return min(1.0, max(0.0, (COMMON_ZIPF - zipf) / (COMMON_ZIPF - RARE_ZIPF)))


class Vocabulary:
    """The terms of every word a KB uses (in their loose form), and their one-deletion variants for typing slips."""

    def __init__(self, words: Iterable[str], analyzer: Analyzer = ENGLISH) -> None:
        self.analyzer = analyzer
        self.stems = {analyzer.loose(w) for w in words}
        self.slips = {
            d for s in self.stems if len(s) >= MIN_TYPO_LENGTH and not s.endswith(PREFIX_MARK) for d in _deletions(s)
        }

    def knows(self, word: str) -> bool:
        """Whether the KB uses this word, a form of it, or a word one typing slip from it."""
        keys = self.analyzer.keys(word)
        if any(key in self.stems for key in keys):
            return True
        base = keys[0]
        if len(base) < MIN_TYPO_LENGTH or any(c.isdigit() for c in base):  # no slips of codes: E-999 is not E-909
            return False
        return base in self.slips or any(d in self.stems or d in self.slips for d in _deletions(base))

    def specificity(self, word: str) -> float:
        """The word's specificity in the vocabulary's language."""
        return specificity(word, self.analyzer.language)

    def unknown_share(self, text: str) -> float:
        """The specificity of the query's words the KB never uses over that of all its words (0 without any);
        1 when one of them is a name or code the KB never uses, which is what such a question hinges on."""
        weights = {w: self.specificity(w) for w in set(self.analyzer.words(text))}
        unknown = [w for w in weights if not self.knows(w)]
        if any(is_name(w, self.analyzer.language) for w in unknown):
            return 1.0
        total = sum(weights.values())
        return sum(weights[w] for w in unknown) / total if total else 0.0
