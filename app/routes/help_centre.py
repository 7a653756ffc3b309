"""The public help centre in the reader's language: published articles by tag with a search box, and one article
rendered safely. A translated article is shown in that language; one not yet translated in English, saying so."""

from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse

from app.deps import KnowledgeBaseDep, SessionDep
from app.pages import MARKDOWN, browser_language, in_language, templates
from knowledge import translations
from knowledge.models import KbArticle
from language import ENDONYMS, SERVED
from retrieval import QueryError

router = APIRouter(include_in_schema=False)
UNTAGGED = "other"
Lang = Annotated[str, Query(max_length=8)]


def reader_language(request: Request, lang: str) -> str:
    """The page's language: `?lang=` when we serve it, else the browser's first served language, else English."""
    return lang if lang in SERVED else browser_language(request)


def page_context(language: str, shown_in: str, **context) -> dict:
    """What every help page gets: its words in `language`, the language switcher, and the `?lang=` its links keep."""
    switcher = [(code, name, code == language) for code, name in ENDONYMS.items()]
    keep = "" if language == "en" else f"?lang={language}"
    return in_language(language) | {"languages": switcher, "keep": keep, "shown_in": shown_in} | context


@router.get("/help", response_class=HTMLResponse)
def help_centre(
    request: Request, kb: KnowledgeBaseDep, q: Annotated[str, Query(max_length=2000)] = "", lang: Lang = ""
) -> HTMLResponse:
    """Every article grouped by tag (its title in the reader's language where translated), or the results for `q`
    searched in that language (in English while the language has no articles)."""
    language = reader_language(request, lang)
    searched_in, retriever = kb.searched(language)
    results = None
    if q.strip():
        try:
            results = retriever.search(q, top_k=8)
        except QueryError:
            results = None
    translated = {article.id: article for article in retriever.articles()} if searched_in == language else {}
    by_tag: dict[str, list] = defaultdict(list)
    for english in kb.retriever.articles():
        article = translated.get(english.id, english)
        by_tag[article.tags[0] if article.tags else UNTAGGED].append((article, english.id not in translated))
    for articles in by_tag.values():
        articles.sort(key=lambda pair: pair[0].title.lower())
    context = page_context(language, searched_in, query=q, results=results, by_tag=dict(sorted(by_tag.items())))
    return templates.TemplateResponse(request, "help_index.html", context)


@router.get("/help/{article_id}", response_class=HTMLResponse)
def help_article(
    request: Request, article_id: str, kb: KnowledgeBaseDep, session: SessionDep, lang: Lang = ""
) -> HTMLResponse:
    """One article in the reader's language, else in English saying so; its markdown rendered without raw HTML;
    404 for an unknown id."""
    language = reader_language(request, lang)
    searched_in, retriever = kb.searched(language)
    article = retriever.get_article(article_id) if searched_in == language else None
    shown_in = language if article is not None else "en"
    article = article or kb.retriever.get_article(article_id)
    if article is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no help article {article_id}")
    record = session.get(KbArticle, article_id) if shown_in != "en" else None
    outdated = record is not None and translations.status(record, translations.of(record, shown_in)) == "outdated"
    context = page_context(language, shown_in, article=article, body_html=MARKDOWN.render(article.body))
    return templates.TemplateResponse(request, "help_article.html", context | {"outdated": outdated})
