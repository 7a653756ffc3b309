"""An article in the other served languages: one translation per article and locale, saved against the article's
version it translates, so the editor sees which are missing or older than the English article."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.models import LOCALES, KbArticle, KbTranslation, utcnow
from knowledge.service import check, cleaned_questions, to_retrieval
from retrieval import Article


@dataclass(frozen=True)
class Translated:
    """What a translator writes: title, body, questions (the tags are the article's own)."""

    title: str
    body: str
    questions: list[str]


def status(article: KbArticle, translation: KbTranslation | None) -> str:
    """ "missing", "outdated" (it translates an older version of the article) or "current"."""
    if translation is None:
        return "missing"
    return "outdated" if translation.source_version < article.version else "current"


def of(article: KbArticle, locale: str) -> KbTranslation | None:
    """The article's translation into `locale`, if there is one."""
    return next((translation for translation in article.translations if translation.locale == locale), None)


def save(
    session: Session,
    article: KbArticle,
    locale: str,
    content: Translated,
    *,
    author: str,
    clock: Callable[[], datetime] = utcnow,
) -> KbTranslation:
    """Write the article's translation into `locale` (new or replacing the old one) as translating the article's
    current version; Invalid without a title or a body. The caller commits."""
    if locale not in LOCALES:
        raise ValueError(f"locale: translations are in {', '.join(LOCALES)}")
    check(content.title, content.body)
    translation = of(article, locale)
    if translation is None:
        translation = KbTranslation(article_id=article.id, locale=locale)
        article.translations.append(translation)
    translation.title, translation.body = content.title.strip(), content.body.strip()
    translation.questions = cleaned_questions(content.questions)
    translation.source_version = article.version
    translation.updated_at, translation.updated_by = clock(), author
    session.flush()
    return translation


def published(session: Session, locale: str) -> list[Article]:
    """The translations into `locale` of every published article (what that language's index must hold)."""
    query = (
        select(KbArticle, KbTranslation)
        .join(KbTranslation, KbTranslation.article_id == KbArticle.id)
        .where(KbArticle.status == "published", KbTranslation.locale == locale)
        .order_by(KbArticle.id)
    )
    return [to_retrieval(article, translation) for article, translation in session.execute(query)]
