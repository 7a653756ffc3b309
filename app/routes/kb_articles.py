"""The KB editor API: articles as records — list, read, save (versioned), review, publish, archive, revert."""

import logging
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, Response
from pydantic import Field, StringConstraints

from app.deps import (
    EditorDep,
    KnowledgeBaseDep,
    ServiceDep,
    SessionDep,
    SettingsDep,
    WriterDep,
    optional_principal,
)
from app.openapi import refusals
from app.pages import MARKDOWN, staff_page
from core.db import as_utc
from core.inputs import RequestBody, words
from handoff import activity
from handoff.models import Conversation
from handoff.service import recent_customer_texts
from knowledge.files import export
from knowledge.impact import TakesOver, asked_by_customers, impact, takeover_note
from knowledge.models import KbArticle, utcnow
from knowledge.service import Content, Invalid, KnowledgeService, NotFound, StaleVersion, as_published
from knowledge.vocabulary import company_words
from people.auth import Principal
from retrieval import IndexBusy

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/kb/articles", tags=["knowledge base"], responses=refusals(401, 403, 409, 503))
pages = APIRouter(include_in_schema=False)
STALE_DAYS = 180
Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]


class ArticleEdit(RequestBody):
    """An editor's save: the version they edited, and the content."""

    version: Annotated[int, Field(ge=1)]
    title: words(200)
    body: Annotated[str, Field(max_length=50_000)]
    tags: Annotated[list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{1,40}$")]], Field(max_length=20)] = []
    questions: Annotated[list[Line], Field(max_length=50)] = []
    take_over: bool = False  # saving a published article may take other articles' questions (the impact says which)


class ArticleNew(RequestBody):
    """A new draft."""

    title: words(200)
    body: Annotated[str, Field(max_length=50_000)] = ""
    tags: list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{1,40}$")]] = []
    questions: list[Line] = []


class Move(RequestBody):
    """A lifecycle step, at the version the editor saw."""

    status: Literal["draft", "in_review", "published", "archived"]
    version: Annotated[int, Field(ge=1)]
    take_over: bool = False  # publishing may take other articles' questions (the impact says which)


class Feedback(RequestBody):
    """The bot's report: an article was served (without a search of its own), or a customer pressed Yes or No."""

    event: Literal["served", "helpful", "not_helpful"]
    conversation_id: Annotated[
        str | None, Field(max_length=36, description="the chat the customer answered in (for its activity record)")
    ] = None


def refusal(error: Exception) -> HTTPException:
    """Map a refused change to its answer."""
    if isinstance(error, NotFound):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(error))
    if isinstance(error, StaleVersion | TakesOver | Invalid):  # Invalid: the article as it stands cannot take the step
        return HTTPException(status.HTTP_409_CONFLICT, str(error))
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(error), headers={"Retry-After": "5"})  # IndexBusy


def summary(article: KbArticle) -> dict:
    """An article as the editor's list shows it."""
    updated = article.updated_at if article.updated_at.tzinfo else article.updated_at.replace(tzinfo=utcnow().tzinfo)
    return {
        "id": article.id,
        "title": article.title,
        "status": article.status,
        "version": article.version,
        "tags": article.tags,
        "update_of": article.update_of,
        "served": article.served,
        "helpful": article.helpful,
        "not_helpful": article.not_helpful,
        "stale": utcnow() - updated > timedelta(days=STALE_DAYS),
        "index_error": article.index_error,
        "updated_at": as_utc(updated).isoformat(),
        "updated_by": article.updated_by,
    }


def reindex_one(kb, session, article: KbArticle, language: str | None = None) -> None:
    """Update the live indexes for this article (only `language`'s, when given); a failure is kept on the article
    (visible, retryable)."""
    try:
        if language is None:
            kb.apply(article)
        else:
            kb.apply_translation(article, language)
        article.index_error = None
    except Exception as error:  # the article stays as saved; the editor page shows why and offers a retry
        log.exception("index update failed for article %s", article.id)
        article.index_error = f"the search index could not be updated: {error}"
    session.commit()


@router.get("")
def list_articles(
    editor: EditorDep,
    session: SessionDep,
    q: Annotated[str, Query(max_length=200)] = "",
    status_: Annotated[str | None, Query(alias="status", pattern="^(draft|in_review|published|archived)$")] = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
    stale: bool = False,
    unhelpful: bool = False,
) -> dict:
    """Articles with filters: words, status, tag, stale (not updated in 180 days), unhelpful (more No than Yes)."""
    rows = [summary(a) for a in KnowledgeService(session).find(text=q, status=status_, tag=tag)]
    rows = [r for r in rows if (not stale or r["stale"]) and (not unhelpful or r["not_helpful"] > r["helpful"])]
    return {"articles": rows}


@router.post("", status_code=status.HTTP_201_CREATED)
def create(body: ArticleNew, editor: WriterDep, session: SessionDep) -> dict:
    """Start a draft (editors, agents and experts may write drafts; only editors publish)."""
    service = KnowledgeService(session)
    article = service.create(
        Content(body.title, body.body if body.body.strip() else "(to be written)", body.tags, body.questions),
        author=editor.display_name,
    )
    session.commit()
    return summary(article)


@router.get("/{article_id}")
def read(article_id: str, editor: EditorDep, session: SessionDep) -> dict:
    """One article with its content, history (with diffs) and linked cases."""
    service = KnowledgeService(session)
    try:
        article = service.get(article_id)
    except NotFound as error:
        raise refusal(error) from error
    content = {"body": article.body, "questions": article.questions}
    return summary(article) | content | {"history": service.history(article_id), "cases": service.cases(article_id)}


def _asked(session) -> list[str]:
    """The recent customer questions a publish could change the answer of, scrubbed."""
    return asked_by_customers(recent_customer_texts(session), company_words(session))


def _takeover_note(kb, session, article: KbArticle, confirmed: bool, content: Content | None = None) -> str:
    """The history note for publishing; TakesOver if it takes other articles' questions unconfirmed."""
    return takeover_note(kb.retriever, as_published(article, content), _asked(session), confirmed=confirmed)


@router.post("/{article_id}/impact")
def impact_of_publishing(article_id: str, editor: EditorDep, session: SessionDep, kb: KnowledgeBaseDep) -> dict:
    """Which recent customer questions and other articles' own questions publishing the saved article would take."""
    try:
        article = KnowledgeService(session).get(article_id)
        return impact(kb.retriever, as_published(article), _asked(session)).to_dict()
    except (NotFound, IndexBusy) as error:
        raise refusal(error) from error


@router.put("/{article_id}")
def save(article_id: str, body: ArticleEdit, editor: EditorDep, session: SessionDep, kb: KnowledgeBaseDep) -> dict:
    """Save a new version; two editors saving the same version → the second gets 409 and nothing is overwritten;
    a published article's save that takes other articles' questions needs `take_over`."""
    content = Content(body.title, body.body, body.tags, body.questions)

    def change(service: KnowledgeService) -> KbArticle:
        current = service.get(article_id)
        note = _takeover_note(kb, session, current, body.take_over, content) if current.status == "published" else ""
        article = service.save(article_id, content, expected_version=body.version, author=editor.display_name)
        if note:
            service.note(article, note)
        return article

    return _new_version(kb, session, change)


@router.post("/{article_id}/status")
def move(
    article_id: str, body: Move, editor: EditorDep, session: SessionDep, settings: SettingsDep, kb: KnowledgeBaseDep
) -> dict:
    """Submit for review, publish or archive; publishing updates the live index at once (and the markdown export)."""
    service = KnowledgeService(session)
    try:
        current = service.get(article_id)
        note = _takeover_note(kb, session, current, body.take_over) if body.status == "published" else ""
        article = service.move(article_id, body.status, author=editor.display_name, expected_version=body.version)
        article = (
            _merge_proposal(service, article, editor) if article.update_of and body.status == "published" else article
        )
        if note:
            service.note(article, note)
        session.commit()
    except (NotFound, StaleVersion, Invalid, TakesOver, IndexBusy) as error:
        session.rollback()
        raise refusal(error) from error
    reindex_one(kb, session, article)
    if article.status == "published" and settings.kb_export_on_publish:
        export(article, settings.kb_dir)
    return summary(article)


def _merge_proposal(service: KnowledgeService, proposal: KbArticle, editor: Principal) -> KbArticle:
    """Publishing a proposed update saves its content onto the article it updates; the proposal is archived."""
    target = service.get(proposal.update_of)
    content = Content(proposal.title, proposal.body, proposal.tags, proposal.questions)
    service.save(target.id, content, expected_version=target.version, author=editor.display_name)
    if target.status != "published":
        service.move(target.id, "published", author=editor.display_name)
    proposal.status = "archived"
    for link in service.cases(proposal.id):
        service.link_case(target.id, link["case_number"], link["relation"])
    return target


@router.post("/{article_id}/revert/{to_version}")
def revert(
    article_id: str, to_version: int, editor: EditorDep, session: SessionDep, kb: KnowledgeBaseDep,
    version: Annotated[int, Query(ge=1, description="the version you are looking at")],
) -> dict:  # fmt: skip
    """Bring back an earlier version's content as a new version."""
    return _new_version(
        kb, session, lambda s: s.revert(article_id, to_version, author=editor.display_name, expected_version=version)
    )


def _new_version(kb, session, change) -> dict:
    """Apply a content change (a save or a revert) and commit it; a published article is re-indexed."""
    try:
        article = change(KnowledgeService(session))
        session.commit()
    except (NotFound, StaleVersion, Invalid, TakesOver, IndexBusy) as error:
        session.rollback()
        raise refusal(error) from error
    if article.status == "published":
        reindex_one(kb, session, article)
    return summary(article)


@router.post("/{article_id}/reindex")
def retry_index(article_id: str, editor: EditorDep, session: SessionDep, kb: KnowledgeBaseDep) -> dict:
    """Try the index update of one article again (after a failure shown on the editor page)."""
    try:
        article = KnowledgeService(session).get(article_id)
    except NotFound as error:
        raise refusal(error) from error
    reindex_one(kb, session, article)
    return summary(article)


@router.post("/{article_id}/feedback", status_code=status.HTTP_204_NO_CONTENT)
def feedback(article_id: str, body: Feedback, bot: ServiceDep, session: SessionDep) -> None:
    """Count a serving or a Yes/No from the bot (per-article figures on the editor page). In a chat
    (`conversation_id`) each is also a row of its activity record: a Yes/No at once, a serving (an article the
    customer picked after "Did you mean…", or the next one after "No") as an answer, written with the turn's commit
    like the bot's searches."""
    article = session.get(KbArticle, article_id)
    if article is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no article {article_id}")
    setattr(article, body.event, getattr(article, body.event) + 1)
    if body.conversation_id is not None:
        conversation = session.get(Conversation, body.conversation_id)
        if conversation is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"conversation_id: no conversation {body.conversation_id}")
        if body.event == "served":
            activity.note_search(conversation.id, "answer", [article_id], None)
        else:
            activity.record(session, conversation, body.event, article_id=article_id)
    session.commit()


class Preview(RequestBody):
    """Markdown to preview."""

    body: Annotated[str, Field(max_length=50_000)]


@router.post("/preview")
def preview(body: Preview, editor: EditorDep) -> dict:
    """The body rendered exactly as the help centre will show it (raw HTML off, unsafe links refused)."""
    return {"html": MARKDOWN.render(body.body)}


@pages.get("/kb", response_class=HTMLResponse)
def editor_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """The KB editor (editors only)."""
    staff = optional_principal(request, session, settings)
    return staff_page(request, staff, roles=("editor",), template="kb_editor.html", context={})
