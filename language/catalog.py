"""What Swarmdesk and its bot say to customers, in the customer's language: one gettext catalog per served language
(`locales/<code>.po`; each msgid is the English text, `{name}` placeholders kept), read with Babel.

The bot and the app write English; `translate` gives the text as the customer should read it. A text that is a
catalog entry is translated; one that fills an entry's placeholders ("I've opened case CS-10428 for you…") is
translated with the same values, each itself translated when it is an entry (a case's status in words); a text of
several lines is translated line by line. Anything else — an article's own words, a case's subject — stays as
written. English, an unserved language and a missing catalog leave every text as it is.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES = Path(__file__).parent / "locales"
PLACEHOLDER = re.compile(r"\\\{(\w+)\\\}")  # a `{name}` in an escaped msgid


class Catalog:
    """One language's translations, and the patterns that recognise a filled-in entry."""

    def __init__(self, entries: dict[str, str]) -> None:
        self.entries = entries
        templates = [msgid for msgid in entries if "{" in msgid]
        self.patterns = [
            (re.compile("^" + PLACEHOLDER.sub(r"(?P<\1>.+?)", re.escape(msgid)) + "$", re.DOTALL), entries[msgid])
            for msgid in sorted(templates, key=len, reverse=True)  # the most specific entry first
        ]

    def translate(self, text: str) -> str:
        """`text` in this language, as far as the catalog knows it."""
        if text in self.entries:
            return self.entries[text]
        for pattern, translation in self.patterns:
            if match := pattern.match(text):
                return translation.format(**{name: self.translate(value) for name, value in match.groupdict().items()})
        if "\n" in text:
            return "\n".join(self.translate(line) for line in text.split("\n"))
        return text


@cache
def catalog(language: str) -> Catalog | None:
    """The catalog of `language` (read once per process), or None when there is none (English among them)."""
    path = LOCALES / f"{language}.po"
    if not re.fullmatch(r"[a-z]{2}", language) or not path.exists():
        return None
    with path.open("rb") as po:
        return Catalog({m.id: m.string for m in read_po(po) if m.id and m.string})


def translate(text: str, language: str) -> str:
    """`text` as a customer who reads `language` should see it."""
    found = catalog(language)
    return found.translate(text) if found and text else text
