"""Which of the articles a "Did you mean…" offered the customer's typed answer picks: a number, an ordinal, a
title (or a clear part of one), or "something else" — in English, Dutch, Italian or Finnish."""

import re
from typing import Any

SOMETHING_ELSE = "something_else"  # what `pick` returns for "no", "none of these", "something else"
_NONE_OF_THEM = (  # "no", "none of these", "something else" in the languages the bot understands
    "no|nope|none|neither|something else|none of (these|them|those)|not these|other",  # English
    "nee|neen|geen|geen van (deze|beide|allen|allemaal)|niet deze|iets anders|(een )?andere?",  # Dutch
    "nessuno|nessuna|nessuno di (questi|questo)|nessuna di (queste|questa)|nessuno dei due|niente di questo"
    "|altro|un altro|un'altra|un'altra cosa|qualcos'altro|qualcosa d'altro",  # Italian ("no" as in English)
    "ei|ei mikään|ei mikään näistä|ei kumpikaan|ei nämä|jokin muu|joku muu|jotain muuta|jokin toinen|muu",  # Finnish
)
_NONE_OF_THEM_RE = re.compile(r"^(" + "|".join(_NONE_OF_THEM) + r")\W*$")
_ORDINALS = {  # the place an ordinal names
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3,  # English
    "eerste": 1, "tweede": 2, "derde": 3,  # Dutch
    "primo": 1, "prima": 1, "secondo": 2, "seconda": 2, "terzo": 3, "terza": 3,  # Italian
    "ensimmäinen": 1, "ykkönen": 1, "toinen": 2, "kakkonen": 2, "kolmas": 3, "kolmonen": 3,  # Finnish
}  # fmt: skip
_LAST = ("last", "laatste", "ultimo", "ultima", "viimeinen")
_NUMBER = re.compile(r"^(?:(?:number|no\.?|#|option|nummer|optie|numero|n\.|opzione|nro|vaihtoehto)\s*)?(\d)\W*$")
_ORDINAL = re.compile(
    r"^(?:(?:the|de|het|il|la|lo)\s+|l')?(" + "|".join([*_ORDINALS, *_LAST]) + r")"
    r"(?:\s+(?:one|article|option|optie|artikel|opzione|articolo|vaihtoehto|artikkeli))?\W*$"
)


def pick(text: str, choices: list[dict[str, Any]]) -> dict[str, Any] | str | None:
    """The choice the text names, SOMETHING_ELSE, or None when it names none (then it is a new question)."""
    said = " ".join(text.lower().replace("’", "'").split())
    if _NONE_OF_THEM_RE.match(said):
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
        return count if word in _LAST else _ORDINALS[word]
    return None
