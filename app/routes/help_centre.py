"""The public help centre: published articles by tag with a search box, and one article rendered safely."""

from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse

from app.deps import KnowledgeBaseDep
from app.pages import MARKDOWN, templates
from retrieval import QueryError

router = APIRouter(include_in_schema=False)
# CommonMark with raw HTML off: markup in an article is shown as text, and unsafe link schemes are refused.
UNTAGGED = "other"


@router.get("/help", response_class=HTMLResponse)
def help_centre(request: Request, kb: KnowledgeBaseDep, q: Annotated[str, Query(max_length=2000)] = "") -> HTMLResponse:
    """Every article grouped by tag, or the search results for `q`."""
    results = None
    if q.strip():
        try:
            results = kb.retriever.search(q, top_k=8)
        except QueryError:
            results = None
    by_tag: dict[str, list] = defaultdict(list)
    for article in sorted(kb.retriever.articles(), key=lambda a: a.title.lower()):
        by_tag[article.tags[0] if article.tags else UNTAGGED].append(article)
    context = {"query": q, "results": results, "by_tag": dict(sorted(by_tag.items()))}
    return templates.TemplateResponse(request, "help_index.html", context)


@router.get("/help/{article_id}", response_class=HTMLResponse)
def help_article(request: Request, article_id: str, kb: KnowledgeBaseDep) -> HTMLResponse:
    """One article, its markdown rendered without raw HTML; 404 for an unknown id."""
    article = kb.retriever.get_article(article_id)
    if article is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no help article {article_id}")
    context = {"article": article, "body_html": MARKDOWN.render(article.body)}
    return templates.TemplateResponse(request, "help_article.html", context)
