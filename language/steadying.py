"""A conversation's language from its customer messages so far: one short "ok" or a brand name never switches it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from language.detection import OTHER, Guess

DECISIVE_WORDS = 3  # shorter messages ("ok", "thanks", "google home", "E-402") say too little about a language
UNSERVED_CONFIDENCE = 0.5  # a language we do not serve counts only when the detector favours it over all the others
SWITCH_AFTER = 2  # messages in a row in another language before the conversation follows them


def _decisive(guess: Guess | None) -> bool:
    """Whether a message says enough about its language to count."""
    if guess is None or guess.words < DECISIVE_WORDS:
        return False
    return guess.language != OTHER or guess.confidence >= UNSERVED_CONFIDENCE


@dataclass(frozen=True)
class Steadied:
    """Where a conversation's language stands: the language so far (None before a decisive message) and a run of
    decisive messages in another one (`candidate`, `run`), which moves it at `SWITCH_AFTER`."""

    language: str | None = None
    candidate: str | None = None
    run: int = 0

    def after(self, guess: Guess | None) -> Steadied:
        """The state once one more customer message (its guess) is counted."""
        if not _decisive(guess):
            return self
        if self.language is None or guess.language == self.language:
            return Steadied(guess.language)
        run = self.run + 1 if guess.language == self.candidate else 1
        return Steadied(guess.language) if run >= SWITCH_AFTER else Steadied(self.language, guess.language, run)


def steady_language(guesses: Iterable[Guess | None], *, chosen: str | None = None, default: str = "en") -> str:
    """The conversation's language, from the guesses for its customer messages, oldest first.

    Args:
        guesses: One guess per customer message (None for a message without words).
        chosen: A language the customer picked explicitly (the widget's picker); it always wins. Defaults to None.
        default: The language until a message is decisive. Defaults to "en".

    The first decisive message (>= `DECISIVE_WORDS` words: the detector's first choice, whatever its confidence —
    lingua spreads it over neighbouring languages, "ciao, il mio hub non si connette" is Italian at 0.22) sets it;
    a language we do not serve only when the detector is sure of it (`UNSERVED_CONFIDENCE`: "my hub is offline" is
    "other" at 0.17, and telling an English customer we do not serve their language costs more than missing one);
    after that it changes only when `SWITCH_AFTER` decisive messages in a row are in the same other language.
    Messages that are not decisive neither count nor break a run.
    """
    if chosen:
        return chosen
    state = Steadied()
    for guess in guesses:
        state = state.after(guess)
    return state.language or default
