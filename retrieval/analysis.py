"""How an index's language turns text into search terms: one analyzer per language, chosen here and nowhere else.

English keeps words as written (the vocabulary strips one common ending). Dutch, Italian and Finnish fold
accents, then reduce each word to its Snowball stem (PyStemmer): "pakketten" matches "pakket", and a word
typed without accents ("qualita", "paiva") gets the stem of the article's "qualità", "päivä". Finnish also
indexes each word's first five letters, because its stems change inside the word ("tilaus", "tilaukseni":
stems "tilaus", "tilau"). Every language keeps codes whole ("E-204" gives "e-204", "e204", "204"). A
language without an analyzer here is analysed as English.

Each language also sets the weight of BM25 in the fused score (`retrieval.calibration.fuse`). English's, 2,
was neutral on CLINC150 val (1, 2, 3 within noise) and makes exact codes count. Dutch, Italian and Finnish
are embedded by the packaged English model, which reads them poorly, so their words carry more: 16, chosen
on the demo KB's own front-matter questions, each left out in turn (`python -m retrieval.eval.ranking --kb
kb/translations/<language>`), as the grid value (2, 3, 4, 6, 8, 12, 16, 24) after which the mean top-3 rate
of the three languages gained under a point (76 % at 2, 82 % at 16); no yardstick was read. With a
multilingual model (`SWARMDESK_EMBEDDING_MODEL`) a lower weight may serve them better.

Each language also sets from how many front-matter questions a KB is worth tuning the model on
(`retrieval.tuning`): English from 100, the fewest that leave the calibration its 20 held-out questions in the
fifth of the articles tuning holds out. On the demo KB (184 questions) tuning raised the English development
set's right answers 53 → 55–65 % and `none` 80 → 87–93 % over four seeds, clarify 24 → 10–23 %, wrong answers
3–5 %; the Dutch, Italian and Finnish ones ranked better too but answered wrongly or missed `none` more (Dutch
wrong 0 → 12 %, Italian `none` 93 → 80 %), so those languages keep the 500 of large KBs.

Dutch and Italian are embedded by the packaged multilingual model (`multilingual_model`; the Universal Sentence
Encoder multilingual v3, `retrieval.embedder.model_dir_for`), which on the development sets answered or offered
the right article for 73 and 75 % of the answerable questions against MiniLM's 50 and 55, with no wrong answer;
Finnish, which that model was not trained on, and English did worse with it and keep all-MiniLM-L6-v2. Their
lexical weight stays 16: 4 and 8 were no better with the multilingual model (Dutch wrong answers 0 → 9 % at 4).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cached_property

import Stemmer

_ASCII_TOKEN = re.compile(r"[a-z0-9]+(?:[-_./:][a-z0-9]+)*")
_ASCII_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_ASCII_PART = re.compile(r"[a-z0-9]+")
_TOKEN = re.compile(r"[^\W_]+(?:[-_./:][^\W_]+)*")
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_PART = re.compile(r"[^\W_]+")
PREFIX_MARK = "*"  # a prefix term ("tilau*") never equals a stem
_local = threading.local()  # PyStemmer's stemmers are not thread-safe: one per thread and algorithm


def fold(word: str) -> str:
    """The word without accents ("perché" → "perche", "päivä" → "paiva")."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def _stem(algorithm: str, word: str) -> str:
    """The Snowball stem of a word, from this thread's stemmer."""
    stemmer = getattr(_local, algorithm, None)
    if stemmer is None:
        stemmer = Stemmer.Stemmer(algorithm)
        setattr(_local, algorithm, stemmer)
    return stemmer.stemWord(word)


@dataclass(frozen=True)
class Analyzer:
    """A language's terms: `stemmer` is a Snowball algorithm (None keeps words as written, ASCII tokens)."""

    language: str
    stopwords: frozenset[str]
    stemmer: str | None = None
    endings: tuple[str, ...] = ()  # the vocabulary's extra loose match: one of these endings removed
    prefix: int = 0  # also index a word's first `prefix` letters (0: no)
    lexical_weight: float = 2.0  # BM25's weight in the fused score
    tune_from: int = 100  # a KB with this many questions is worth tuning the model on (`retrieval.tuning`)
    multilingual_model: bool = False  # embedded by the packaged multilingual model (`retrieval.embedder.model_dir_for`)

    @cached_property
    def _patterns(self) -> tuple[re.Pattern, re.Pattern, re.Pattern]:
        """(token, word, part) patterns: ASCII for English as it always was, Unicode letters for the others."""
        return (_ASCII_TOKEN, _ASCII_WORD, _ASCII_PART) if self.stemmer is None else (_TOKEN, _WORD, _PART)

    def is_stopword(self, word: str) -> bool:
        """Whether a lowercase word is one of the language's stopwords (accents folded for a stemmed language)."""
        return (fold(word) if self.stemmer else word) in self.stopwords

    def forms(self, word: str) -> list[str]:
        """A lowercase word's terms: the stem of its folded form and, for a prefix language, its first letters."""
        if self.stemmer is None or any(c.isdigit() for c in word):
            return [word]
        folded = fold(word)
        stem = _stem(self.stemmer, folded)
        if self.prefix and folded.isalpha() and len(folded) > self.prefix:
            return [stem, folded[: self.prefix] + PREFIX_MARK]
        return [stem]

    def terms(self, text: str) -> list[str]:
        """The text's search terms without stopwords; a compound like "E-204" also yields "e204" and its parts."""
        token, _, part = self._patterns
        stop, forms = self.is_stopword, (lambda w: [w]) if self.stemmer is None else self.forms
        terms = []
        for match in token.findall(text.lower()):
            if stop(match):
                continue
            terms += forms(match)
            parts = part.findall(match)
            if len(parts) > 1:
                terms += forms("".join(parts))
                for p in parts:
                    if (len(p) > 1 or p.isdigit()) and not stop(p):
                        terms += forms(p)
        return terms

    def words(self, text: str) -> list[str]:
        """The text's content words as written: lowercase, at least 3 characters, no stopwords or bare numbers."""
        _, word, _ = self._patterns
        found = word.findall(text.lower())
        return [w for w in found if len(w) >= 3 and not self.is_stopword(w) and not w.isdigit()]

    def loose(self, term: str) -> str:
        """A term without one of `endings` (kept when fewer than 3 letters would remain)."""
        for ending in self.endings:
            if term.endswith(ending) and len(term) - len(ending) >= 3:
                return term[: -len(ending)]
        return term

    def keys(self, word: str) -> list[str]:
        """The forms under which the vocabulary looks a word up (the first one also with typing slips)."""
        return [self.loose(form) for form in self.forms(word)]


def _words(text: str) -> frozenset[str]:
    """A whitespace-separated word list, accents folded."""
    return frozenset(fold(text).split())


ENGLISH = Analyzer(
    "en",
    _words(
        "a about an and are as at be but by can could do does did for from had has have how i if in into is it its "
        "me my of on or our so than that the their them then there these they this to was we were what when where "
        "which who why will with would you your yours"
    ),
    endings=("ings", "ing", "ies", "ied", "es", "ed", "s"),
)
DUTCH = Analyzer(
    "nl",
    _words(
        "aan al als ben bent bij ook dan dat de deze die dit doe doen door een en er had heb hebben hebt heeft "
        "het hij hoe hun ik in is je jij jou jouw kan kun kunnen kunt me mee met mij mijn moet moeten na naar niet "
        "nog nu of om onze ons op over te tot u uit uw van voor waar waarom wanneer was wat we welk welke wie wij "
        "wil wilt willen word wordt worden ze zij zijn zo zou zouden"
    ),
    stemmer="dutch",
    lexical_weight=16.0,
    tune_from=500,
    multilingual_model=True,
)
ITALIAN = Analyzer(
    "it",
    _words(
        "a abbiamo ai al alla alle all agli anche c che chi ci come con cosa cui d da dai dal dalla dall degli dei "
        "del della delle dell di dove e è ed gli ha hai hanno ho i il in io l la le lei lo loro lui ma me mi mia "
        "mie miei mio ne nei nel nella nell noi non o per perché più può posso quale quali quando questa questo se "
        "si sia siamo sono su sua sui sul sulla sull suo te ti tra tu tua tuo un una uno vi voi"
    ),
    stemmer="italian",
    lexical_weight=16.0,
    tune_from=500,
    multilingual_model=True,
)
FINNISH = Analyzer(
    "fi",
    _words(
        "ei en et emme ette eivät he hän ja jo jos kanssa koska kuin kuka kun mikä miksi milloin minä minulla "
        "minulle minun miten mitä missä mistä mihin mulla mulle mun mä myös ne niin nyt on ole olen olet oli olla "
        "ollut ovat se sekä sinä sinun sun sä tai te tämä tuo vai vielä voi voiko voinko että mutta me"
    ),
    stemmer="finnish",
    prefix=5,
    lexical_weight=16.0,
    tune_from=500,
)
ANALYZERS = {analyzer.language: analyzer for analyzer in (ENGLISH, DUTCH, ITALIAN, FINNISH)}


def analyzer_for(language: str | None) -> Analyzer:
    """The analyzer of a language code ("nl", "nl-BE", "NL"); English for a language without one."""
    code = re.split(r"[-_]", (language or "").strip().lower())[0]
    return ANALYZERS.get(code, ENGLISH)
