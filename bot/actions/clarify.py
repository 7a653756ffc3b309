"""Which of the articles a "Did you mean…" offered the customer's typed answer picks: a number, an ordinal, a
title (or a clear part of one), or "something else"."""

import re
from typing import Any

SOMETHING_ELSE = "something_else"  # what `pick` returns for "no", "none of these", "something else"
_NONE_OF_THEM = re.compile(r"^(no|nope|none|neither|something else|none of (these|them|those)|not these|other)\W*$")
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3}
_NUMBER = re.compile(r"^(?:(?:number|no\.?|#|option)\s*)?(\d)\W*$")
_ORDINAL = re.compile(r"^(?:the\s+)?(first|second|third|1st|2nd|3rd|last)(?:\s+(?:one|article|option))?\W*$")


def pick(text: str, choices: list[dict[str, Any]]) -> dict[str, Any] | str | None:
    """The choice the text names, SOMETHING_ELSE, or None when it names none (then it is a new question)."""
    said = " ".join(text.lower().split())
    if _NONE_OF_THEM.match(said):
        return SOMETHING_ELSE
    place = _place(said, len(choices))
    if place is not None:
        return choices[place - 1] if 1 <= place <= len(choices) else None
    named = [c for c in choices if len(said) >= 3 and (said in c["title"].lower() or c["title"].lower() in said)]
    return named[0] if len(named) == 1 else None


def _place(said: str, count: int) -> int | None:
    """The 1-based place a number or ordinal names ("2", "#2", "the second one", "last"), else None."""
    if number := _NUMBER.match(said):
        return int(number.group(1))
    if ordinal := _ORDINAL.match(said):
        word = ordinal.group(1)
        return count if word == "last" else _ORDINALS[word]
    return None
