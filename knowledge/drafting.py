"""Turning a resolved case into a draft article, or into a proposed update when the KB already covers it."""

from collections.abc import Callable
from dataclasses import dataclass

from core import pii
from knowledge.service import Content

NEAR_DUPLICATE = 0.75  # confidence from which the best existing article is updated instead of duplicated
MAX_QUESTIONS = 8


@dataclass(frozen=True)
class Resolved:
    """What the app knows of a resolved case."""

    number: str
    subject: str
    resolution: str
    tags: list[str]  # the case's, then those of the articles the bot tried for its problem
    problem: list[str]  # the questions the bot could not settle (from the handoff), then what the agent marked
    names: list[str]  # people's names to scrub (the customer, the agents)
    ticked: list[str]  # swarm messages the owner marked for the article
    vocabulary: frozenset[str] = frozenset()  # the company's own words (never scrubbed as names)


@dataclass(frozen=True)
class DraftPlan:
    """A new draft, or a proposed update of `target` (an existing published article)."""

    content: Content
    target: str | None


def questions_from(resolved: Resolved) -> list[str]:
    """The problem statement in the customer's (scrubbed) words, once each; the case subject when there is none."""
    found: list[str] = []
    for text in resolved.problem:
        clean = pii.scrub(text, resolved.names, resolved.vocabulary)
        if pii.says_something(clean) and clean.lower() not in {q.lower() for q in found}:
            found.append(clean)
    return found[:MAX_QUESTIONS] or [resolved.subject]


def body_of(resolved: Resolved) -> str:
    """The resolution, then each ticked swarm answer it does not already say (the body says each thing once)."""
    parts: list[str] = []
    for part in (p.strip() for p in [resolved.resolution, *resolved.ticked]):
        if part and not any(part in earlier or earlier in part for earlier in parts):
            parts.append(part)
    return "\n\n".join(parts)


def plan(resolved: Resolved, search: Callable[[str], dict], existing: Callable[[str], Content | None]) -> DraftPlan:
    """Draft from the case; when the KB's best match is close, propose updating that article instead."""
    questions = questions_from(resolved)
    body = body_of(resolved)
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
    return DraftPlan(Content(resolved.subject, body, list(dict.fromkeys(resolved.tags)), questions), None)
