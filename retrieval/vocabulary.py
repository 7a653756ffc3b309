"""What the KB never mentions: the query's words absent from the KB's vocabulary, weighted by how specific they are.

A word counts as known when the KB has it, has it with another simple ending ("bulbs", "charging"), or
has a word one typing slip away from it ("pasword"). An unknown word weighs by its rarity in general
English (wordfreq's Zipf scale, shipped inside its wheel): "want" (6.0) weighs 0, "lamp" (4.1) 0.6,
"alexa" (3.5) 0.8, a brand invented yesterday 1. A code with letters and digits ("E-999") weighs 1.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from wordfreq import zipf_frequency

from retrieval.lexical import STOPWORDS

COMMON_ZIPF, RARE_ZIPF = 6.0, 3.0  # a word this common weighs 0, this rare (or rarer) weighs 1
MAX_WEIGHT = 3.0
MIN_TYPO_LENGTH = 5
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SUFFIXES = ("ings", "ing", "ies", "ied", "es", "ed", "s")


def stem(word: str) -> str:
    """The word without one common English ending (kept when fewer than 3 letters would remain)."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _deletions(word: str) -> set[str]:
    """Every string made by deleting one letter of `word`."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@lru_cache(maxsize=65536)
def specificity(word: str) -> float:
    """How much a word the KB lacks can matter, in [0, 1]: 0 for everyday words, 1 for rare names and codes."""
    if any(c.isdigit() for c in word):
        return 1.0 if any(c.isalpha() for c in word) else 0.0
    zipf = zipf_frequency(word, "en")
    return min(1.0, max(0.0, (COMMON_ZIPF - zipf) / (COMMON_ZIPF - RARE_ZIPF)))


def query_words(text: str) -> list[str]:
    """The query's content words: lowercase, at least 3 characters, no stopwords or bare numbers."""
    return [w for w in _WORD.findall(text.lower()) if len(w) >= 3 and w not in STOPWORDS and not w.isdigit()]


class Vocabulary:
    """The stems of every word a KB uses, and their one-deletion variants for typing slips."""

    def __init__(self, words: Iterable[str]) -> None:
        self.stems = {stem(w) for w in words}
        self.slips = {d for s in self.stems if len(s) >= MIN_TYPO_LENGTH for d in _deletions(s)}

    def knows(self, word: str) -> bool:
        """Whether the KB uses this word, a form of it, or a word one typing slip from it."""
        base = stem(word)
        if base in self.stems:
            return True
        if len(base) < MIN_TYPO_LENGTH or any(c.isdigit() for c in base):  # no slips of codes: E-999 is not E-909
            return False
        return base in self.slips or any(d in self.stems or d in self.slips for d in _deletions(base))

    def unknown_weight(self, text: str) -> float:
        """The summed specificity of the query's content words the KB never uses (at most 3)."""
        total = sum(specificity(w) for w in set(query_words(text)) if not self.knows(w))
        return min(total, MAX_WEIGHT)
