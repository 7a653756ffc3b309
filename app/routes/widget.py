"""The chat widget's own routes: its texts in the customer's language, the help topics it offers first, and a browser
forgetting its visitor id."""

from typing import Literal

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from app.deps import SessionDep
from handoff import service
from handoff.models import VisitorForget
from knowledge.service import KnowledgeService
from language import SERVED
from language.catalog import catalog

router = APIRouter(prefix="/api/widget", tags=["widget"])
TOPICS = 4


class Topic(BaseModel):
    """A popular article: its title, and the question the widget sends when the customer picks it."""

    article_id: str
    title: str
    question: str


class Topics(BaseModel):
    """The welcome card's quick topics, most served first."""

    topics: list[Topic]


class Texts(BaseModel):
    """Our texts in one language: English text → the same in `language` (the widget shows English for any missing)."""

    language: str
    texts: dict[str, str]


@router.get("/texts")
def texts(response: Response, language: Literal[SERVED]) -> Texts:
    """The catalog of `language` (English: empty, the texts are written in it); cached by browsers for an hour."""
    response.headers["Cache-Control"] = "public, max-age=3600"
    found = catalog(language)
    return Texts(language=language, texts=found.entries if found else {})


@router.get("/topics")
def topics(session: SessionDep) -> Topics:
    """The most-served published articles (none while the KB is empty)."""
    found = KnowledgeService(session).most_served(TOPICS)
    return Topics(topics=[Topic(article_id=a.id, title=a.title, question=(a.questions or [a.title])[0]) for a in found])


@router.post("/forget", status_code=status.HTTP_204_NO_CONTENT)
def forget(body: VisitorForget, session: SessionDep) -> None:
    """The customer asked this browser to forget them: its conversations stop being linked to one another."""
    service.forget_visitor(session=session, visitor_id=body.visitor_id)
