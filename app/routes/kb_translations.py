"""The KB editor API for translations: an article's status in each language it is translated into, and saving one."""

from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import Field

from app.deps import EditorDep, KnowledgeBaseDep, SessionDep
from app.openapi import refusals
from app.routes.kb_articles import Line, refusal, reindex_one
from core.db import as_utc
from core.inputs import RequestBody, SomeText, words
from knowledge import translations
from knowledge.models import LOCALES, KbArticle, KbTranslation
from knowledge.service import Invalid, KnowledgeService, NotFound

router = APIRouter(prefix="/api/kb/articles", tags=["knowledge base"], responses=refusals(401, 403))
Locale = Literal[LOCALES]


class TranslationEdit(RequestBody):
    """A translator's save: title, body and questions in the language (the tags are the article's own)."""

    title: words(200)
    body: Annotated[SomeText, Field(max_length=50_000)]
    questions: Annotated[list[Line], Field(max_length=50)] = []


def _row(article: KbArticle, locale: str, translation: KbTranslation | None) -> dict:
    """One language's status and, when there is one, the translation."""
    row: dict = {"locale": locale, "status": translations.status(article, translation)}
    if translation is not None:
        row["translation"] = {
            "title": translation.title,
            "body": translation.body,
            "questions": translation.questions,
            "source_version": translation.source_version,
            "updated_at": as_utc(translation.updated_at).isoformat(),
            "updated_by": translation.updated_by,
        }
    return row


@router.get("/{article_id}/translations")
def list_translations(article_id: str, editor: EditorDep, session: SessionDep) -> dict:
    """The article's version and, for each language it may be translated into, its status — missing, outdated (it
    translates an older version) or current — and the translation when there is one."""
    try:
        article = KnowledgeService(session).get(article_id)
    except NotFound as error:
        raise refusal(error) from error
    rows = [_row(article, locale, translations.of(article, locale)) for locale in LOCALES]
    return {"article_id": article.id, "version": article.version, "translations": rows}


@router.put("/{article_id}/translations/{locale}", responses=refusals(409))
def save_translation(
    article_id: str, locale: Locale, body: TranslationEdit, editor: EditorDep, session: SessionDep, kb: KnowledgeBaseDep
) -> dict:
    """Save the article's translation into `locale` as translating its current version; a published article is
    searchable in that language at once."""
    try:
        article = KnowledgeService(session).get(article_id)
        content = translations.Translated(body.title, body.body, body.questions)
        translation = translations.save(session, article, locale, content, author=editor.display_name)
        session.commit()
    except (NotFound, Invalid) as error:
        session.rollback()
        raise refusal(error) from error
    if article.status == "published":
        reindex_one(kb, session, article, language=locale)
    return _row(article, locale, translation)
