"""The knowledge-base API: search (public, rate-limited) and re-index jobs (editors).

A search is limited per address, except the bot's (its service token): all of them come from the action server,
so each is limited per conversation it speaks for."""

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import Field
from sqlalchemy.orm import Session

from app.deps import Caller, EditorDep, KnowledgeBaseDep, SessionDep, SettingsDep, client_address
from app.openapi import refusals
from core import metrics, pii, ratelimit
from core.db import release
from core.inputs import RequestBody, SomeText
from core.settings import Settings
from handoff import activity
from knowledge.live_index import count_served
from knowledge.models import SOURCE_LANGUAGE
from knowledge.vocabulary import company_words
from language import SERVED
from people.auth import Principal
from retrieval import QueryError, ReindexRunning

router = APIRouter(prefix="/api/kb", tags=["knowledge base"], responses=refusals(401, 403, 409, 429, 503))


Language = Literal[SERVED]


class SearchRequest(RequestBody):
    """A KB search: the question, how many articles to return, the customer's language, and (the bot's) the
    conversation it searches for."""

    query: Annotated[SomeText, Field(max_length=20_000)]
    top_k: Annotated[int, Field(ge=1, le=50)] = 5
    language: Annotated[
        Language | None, Field(description="the language to search in (absent: English); English when it has no index")
    ] = None
    conversation_id: Annotated[str | None, Field(max_length=64)] = None


@router.post("/search")
def search(
    body: SearchRequest,
    request: Request,
    kb: KnowledgeBaseDep,
    settings: SettingsDep,
    caller: Caller,
    session: SessionDep,
) -> dict:
    """Search the live index of the customer's language: {"query", "decision", "answerable", "confidence",
    "offered", "hits", "threshold", "language"}.

    `decision` is "answer" (one article offered), "clarify" (2–3 offered) or "none"; "note" is added if the
    query was cut. `threshold` is the confidence from which the index answers outright. `language` is the language
    searched: the one asked for (absent: English), or English when that language has no translated articles yet.

    When the bot asks and gets an answer, the article's "served" count goes up (counted in Redis, off the
    answer's path; the scheduler adds the counts to the articles). Its decision is noted for the conversation's
    activity record (see `_note`)."""
    _limit(request, caller, body, settings)
    language, retriever = kb.searched(body.language or SOURCE_LANGUAGE)
    try:
        with metrics.timed(metrics.SEARCHES):
            found = retriever.search(body.query, top_k=body.top_k)
        result = found | {"threshold": retriever.threshold, "language": language}
    except QueryError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"query: {error}") from error
    if caller is not None and "service" in caller.roles:
        if result["answerable"] and result["hits"]:
            count_served(result["hits"][0]["article_id"])
        _note(session, body, result)
    return result


def _note(session: Session, body: SearchRequest, result: dict) -> None:
    """Note the bot's search as the customer's turn (answer, clarify or not_found; a miss keeps the question,
    scrubbed). The bot searches once per customer message: "No, that didn't help" and a "Did you mean…" pick show
    articles it found before, so they add no row (the Yes/No feedback records what the customer made of them)."""
    offered = [hit["article_id"] for hit in result.get("offered") or []]
    kind = activity.search_kind(result["decision"], offered)
    question = pii.scrub(body.query, (), company_words(session)) if kind == "not_found" else None
    release(session)
    activity.note_search(body.conversation_id, kind, offered, question)


def _limit(request: Request, caller: Principal | None, body: SearchRequest, settings: Settings) -> None:
    """Count the search: the bot's per conversation (which it must name), anyone else's per address."""
    if caller is None or "service" not in caller.roles:
        bucket, limit, what = f"kb-search:{client_address(request)}", settings.kb_searches_per_minute, "searches"
    elif body.conversation_id:
        bucket, limit = (
            f"kb-search-conversation:{body.conversation_id}",
            settings.kb_searches_per_conversation_per_minute,
        )
        what = "searches in this conversation"
    else:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "conversation_id: the bot names the conversation")
    ratelimit.enforce(bucket=bucket, limit=limit, window_seconds=60, what=what)


@router.post("/reindex", status_code=status.HTTP_202_ACCEPTED)
def start_reindex(editor: EditorDep, kb: KnowledgeBaseDep) -> dict:
    """Start re-indexing the KB folder in the background; 409 while another re-index runs."""
    try:
        job_id = kb.jobs.start()
    except ReindexRunning as running:
        raise HTTPException(status.HTTP_409_CONFLICT, str(running)) from running
    return {"job_id": job_id, "status_url": f"/api/kb/reindex/{job_id}"}


@router.get("/reindex/{job_id}")
def reindex_status(job_id: str, editor: EditorDep, kb: KnowledgeBaseDep) -> dict:
    """A re-index job's state, phase and progress, and its result when it has finished."""
    job = kb.jobs.status(job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no re-index job {job_id}")
    return job


@router.get("/live/{article_id}")
def live_article(article_id: str, kb: KnowledgeBaseDep, language: Language = SOURCE_LANGUAGE) -> dict:
    """An article the bot may answer with now (published and indexed): its title in the language a search in
    `language` uses (see the search), that language and the help-centre link; 404 once it is archived (public, as
    the help centre is)."""
    searched, retriever = kb.searched(language)
    article = retriever.get_article(article_id)
    if article is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no published article {article_id}")
    return {"article_id": article.id, "title": article.title, "language": searched, "url": article.url}
