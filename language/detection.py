"""One message's language, with lingua restricted to the languages we serve plus a few we must tell apart from them."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

SERVED = ("en", "nl", "it", "fi")
# Languages a European customer may write in that we don't serve; knowing them keeps a German message from being
# taken for Dutch, or an Estonian one for Finnish. Chosen from who writes to a European shop, not from any score.
OTHERS = ("de", "fr", "es", "pt", "sv", "da", "pl", "et")
OTHER = "other"
NAMES = {"en": "English", "nl": "Dutch", "it": "Italian", "fi": "Finnish", OTHER: "a language we do not serve"}
ENDONYMS = {"en": "English", "nl": "Nederlands", "it": "Italiano", "fi": "Suomi"}  # each in its own words
WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Guess:
    """A message's language (a served code or "other"), the detector's confidence in it (0–1) and its word count."""

    language: str
    confidence: float
    words: int


class LanguageDetector:
    """Detects the language of chat messages, offline.

    Args:
        served: The languages the project answers in (ISO 639-1). Defaults to `SERVED`.
        others: Languages it must recognise to call them "other". Defaults to `OTHERS`.
        high_accuracy: lingua's high-accuracy mode, made for short texts (about 370 MB of models in memory once
            loaded); False uses its low-accuracy mode (about 30 MB). Defaults to True.
    """

    def __init__(self, *, served=SERVED, others=OTHERS, high_accuracy: bool = True) -> None:
        self.served = tuple(served)
        languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in (*served, *others)]
        builder = LanguageDetectorBuilder.from_languages(*languages)
        self._lingua = (builder if high_accuracy else builder.with_low_accuracy_mode()).build()

    def detect(self, text: str) -> Guess | None:
        """The language of `text`, or None when it has no words (only digits, codes' punctuation or emoji)."""
        words = len(WORD.findall(text))
        if not words:
            return None
        best = self._lingua.compute_language_confidence_values(text)[0]
        code = best.language.iso_code_639_1.name.lower()
        return Guess(language=code if code in self.served else OTHER, confidence=best.value, words=words)


_shared: dict[str, LanguageDetector] = {}
_loading = threading.Lock()
_enabled = threading.Event()  # detection is on in this process (LANGUAGE_DETECTION, passed to `preload`)


def preload(*, enabled: bool) -> None:
    """Turn this process's detection on (the detector is built and loaded in a background thread, about 10 s, once
    per process) or off (`ready_detector` answers None, even if an earlier app in this process loaded it)."""
    if not enabled:
        _enabled.clear()
        return
    _enabled.set()
    if _loading.acquire(blocking=False):
        threading.Thread(target=_load, name="language-detector", daemon=True).start()


def _load() -> None:
    """Build the detector and run it once, which loads the models; then it is shared."""
    detector = LanguageDetector()
    detector.detect("loading the language models")
    _shared["detector"] = detector


def ready_detector() -> LanguageDetector | None:
    """The process's detector while detection is on and once `preload` has finished loading it; None otherwise."""
    return _shared.get("detector") if _enabled.is_set() else None
