"""A conversation's language from its customer messages so far: one short "ok" or a brand name never switches it."""

from __future__ import annotations

from collections.abc import Iterable

from language.detection import Guess

DECISIVE_WORDS = 3  # shorter messages ("ok", "thanks", "google home", "E-402") say too little about a language
DECISIVE_CONFIDENCE = 0.5  # the detector must favour the language over all the others together
SWITCH_AFTER = 2  # messages in a row in another language before the conversation follows them


def _decisive(guess: Guess | None) -> bool:
    """Whether a message says enough about its language to count."""
    return guess is not None and guess.words >= DECISIVE_WORDS and guess.confidence >= DECISIVE_CONFIDENCE


def steady_language(guesses: Iterable[Guess | None], *, chosen: str | None = None, default: str = "en") -> str:
    """The conversation's language, from the guesses for its customer messages, oldest first.

    Args:
        guesses: One guess per customer message (None for a message without words).
        chosen: A language the customer picked explicitly (the widget's picker); it always wins. Defaults to None.
        default: The language until a message is decisive. Defaults to "en".

    The first decisive message (>= `DECISIVE_WORDS` words, confidence >= `DECISIVE_CONFIDENCE`) sets the language;
    after that it changes only when `SWITCH_AFTER` decisive messages in a row are in the same other language.
    Messages that are not decisive neither count nor break a run.
    """
    if chosen:
        return chosen
    current, candidate, run = None, None, 0
    for guess in filter(_decisive, guesses):
        if current is None or guess.language == current:
            current, candidate, run = guess.language, None, 0
            continue
        run = run + 1 if guess.language == candidate else 1
        candidate = guess.language
        if run >= SWITCH_AFTER:
            current, candidate, run = guess.language, None, 0
    return current or default
