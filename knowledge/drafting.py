"""Turning a resolved case into a draft article, or into a proposed update when the KB already covers it."""

import re
from collections.abc import Callable
from dataclasses import dataclass

from knowledge.service import Content

NEAR_DUPLICATE = 0.75  # confidence from which the best existing article is updated instead of duplicated
SCRUBS = (
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "[email]"),
    (re.compile(r"\bCS-\d{4,}\b", re.IGNORECASE), "[case number]"),
    (
        re.compile(r"\b(?:order|bestelling|commande)\s*(?:number|no\.?|#)?\s*[:#]?\s*[A-Z0-9-]{4,}\b", re.IGNORECASE),
        "order [order number]",
    ),
    (re.compile(r"\b(?:LM|ORD)-?\d{4,}\b", re.IGNORECASE), "[order number]"),
    (re.compile(r"(?<!\w)\+?\d[\d ()./-]{7,}\d\b"), "[phone]"),
    (re.compile(r"\b(my name is|i am|i'm|this is)\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?", re.IGNORECASE), r"\1 [name]"),
)


@dataclass(frozen=True)
class Resolved:
    """What the app knows of a resolved case."""

    number: str
    subject: str
    resolution: str
    tags: list[str]
    customer_texts: list[str]  # the customer's own messages, oldest first
    names: list[str]  # people's names to scrub (the customer, the agents)
    ticked: list[str]  # swarm messages the owner marked for the article


@dataclass(frozen=True)
class DraftPlan:
    """A new draft, or a proposed update of `target` (an existing published article)."""

    content: Content
    target: str | None


def scrub(text: str, names: list[str]) -> str:
    """Remove emails, phone, order and case numbers and the given names from a customer's words."""
    for pattern, replacement in SCRUBS:
        text = pattern.sub(replacement, text)
    for name in sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(name)}\b", "[name]", text, flags=re.IGNORECASE)
        for part in (p for p in name.split() if len(p) > 2):  # a lone first or last name as written: "Bill", not "bill"
            text = re.sub(rf"\b{re.escape(part)}\b", "[name]", text)
    return text.strip()


def questions_from(resolved: Resolved) -> list[str]:
    """The customer's questions in their own (scrubbed) words: messages that read like a question or a problem."""
    found = []
    for text in resolved.customer_texts:
        clean = scrub(text, resolved.names)
        if 12 <= len(clean) <= 300 and not clean.startswith("/") and clean.lower() not in {q.lower() for q in found}:
            found.append(clean)
    return found[:8] or [resolved.subject]


def plan(resolved: Resolved, search: Callable[[str], dict], existing: Callable[[str], Content | None]) -> DraftPlan:
    """Draft from the case; when the KB's best match is close, propose updating that article instead."""
    questions = questions_from(resolved)
    body = "\n\n".join(p for p in [resolved.resolution.strip(), *[t.strip() for t in resolved.ticked]] if p)
    found = search(" ".join([resolved.subject, *questions[:2]]))
    best = (found.get("hits") or [None])[0]
    if best and found.get("answerable") and found.get("confidence", 0) >= NEAR_DUPLICATE:
        current = existing(best["article_id"])
        if current is not None:
            merged = list(dict.fromkeys([*current.questions, *questions]))
            addition = f"\n\n**Also resolved in {resolved.number}:** {body}" if body else ""
            content = Content(
                current.title, current.body + addition, list(dict.fromkeys([*current.tags, *resolved.tags])), merged
            )
            return DraftPlan(content, best["article_id"])
    return DraftPlan(Content(resolved.subject, body, list(resolved.tags), questions), None)
