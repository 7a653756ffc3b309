"""Agent assist: the KB articles and past resolved cases that match what a desk conversation is about now.

The problem is the latest handoff packet's problem lines, the messages the agent marked as the problem and the
customer's latest messages. Each index is asked about the lines together and about each line alone (a "hello?" or
"thanks" beside the question would otherwise drown it), and what it offers is shown, best first: its own decision
says whether anything matches (nothing for "none"), so no threshold is chosen here."""

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff import service
from handoff.models import Message
from retrieval import Retriever

LATEST_MESSAGES = 3
SHOWN = 3
MAX_RESOLUTION_CHARS = 300


class ArticleSuggestion(BaseModel):
    """A KB article that may answer the customer: its help-centre link and the passage nearest the problem."""

    article_id: str
    title: str
    snippet: str
    url: str


class CaseSuggestion(BaseModel):
    """A past resolved case like this one: what it was about and how it was resolved (cut to 300 characters)."""

    number: str
    subject: str
    resolution: str


class Suggestions(BaseModel):
    """What the desk's assist panel shows; both lists are empty when nothing matches."""

    articles: list[ArticleSuggestion]
    cases: list[CaseSuggestion]


def problem(session: Session, conversation_id: str) -> list[str]:
    """What the customer needs, one line each: the packet's problem, the marked messages, their latest messages
    (the last three of each)."""
    packets = service.handoff_packets(session, conversation_id)
    lines = list(packets[-1].get("problem") or [])[-LATEST_MESSAGES:] if packets else []
    lines += service.marked_problem(session, conversation_id)[-LATEST_MESSAGES:]
    latest = select(Message.text).where(Message.conversation_id == conversation_id, Message.sender == "customer")
    lines += reversed(session.scalars(latest.order_by(Message.seq.desc()).limit(LATEST_MESSAGES)).all())
    return list(dict.fromkeys(" ".join(line.split()) for line in lines if line.strip()))


def suggest(problem: list[str], *, articles: Retriever, cases: Retriever) -> Suggestions:
    """The articles and past cases each index offers for the problem's lines (at most three of each)."""
    found = [
        ArticleSuggestion(article_id=h["article_id"], title=h["title"], snippet=h["snippet"], url=h["url"])
        for h in _offered(articles, problem)
    ]
    past = [
        CaseSuggestion(number=h["article_id"], subject=h["title"], resolution=_resolution(cases, h["article_id"]))
        for h in _offered(cases, problem)
    ]
    return Suggestions(articles=found, cases=past)


def _offered(retriever: Retriever, problem: list[str]) -> list[dict]:
    """What the index offers for the lines together or for any line alone, best score first (none when every
    decision is "none")."""
    best: dict[str, dict] = {}
    for query in (["\n".join(problem)] if len(problem) > 1 else []) + problem:
        for hit in retriever.search(query, top_k=SHOWN)["offered"]:
            if hit["score"] > best.get(hit["article_id"], {"score": -1.0})["score"]:
                best[hit["article_id"]] = hit
    return sorted(best.values(), key=lambda hit: hit["score"], reverse=True)[:SHOWN]


def _resolution(cases: Retriever, number: str) -> str:
    """A case's (scrubbed) resolution, cut at a word before 300 characters."""
    article = cases.get_article(number)
    text = " ".join((article.body if article else "").split())
    if len(text) <= MAX_RESOLUTION_CHARS:
        return text
    return text[: MAX_RESOLUTION_CHARS - 1].rsplit(" ", 1)[0] + "…"
