"""Tables of the knowledge base: articles, every saved version, their translations, and the cases an article came from
or served."""

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from language import SERVED

STATUSES = ("draft", "in_review", "published", "archived")
SOURCE_LANGUAGE = "en"  # articles are written in English
LOCALES = tuple(code for code in SERVED if code != SOURCE_LANGUAGE)  # the languages an article is translated into


def utcnow() -> datetime:
    """Return the current time in UTC (timezone-aware)."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of the knowledge tables; times are stored timezone-aware."""

    type_annotation_map = {datetime: DateTime(timezone=True)}


class KbArticle(Base):
    """An article's current state; `version` counts saves (an editor saving an older one gets a conflict)."""

    __tablename__ = "kb_articles"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    questions: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    version: Mapped[int] = mapped_column(default=1)
    update_of: Mapped[str | None] = mapped_column(String(80))  # a proposed update to this published article
    served: Mapped[int] = mapped_column(default=0)
    helpful: Mapped[int] = mapped_column(default=0)
    not_helpful: Mapped[int] = mapped_column(default=0)
    index_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120), default="")
    translations: Mapped[list["KbTranslation"]] = relationship(passive_deletes=True, order_by="KbTranslation.locale")


class KbTranslation(Base):
    """An article in another served language; `source_version` is the article's version it translates."""

    __tablename__ = "kb_translations"
    __table_args__ = (UniqueConstraint("article_id", "locale", name="uq_kb_translations_article_locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    locale: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    questions: Mapped[list] = mapped_column(JSON, default=list)
    source_version: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120), default="")


class KbVersion(Base):
    """One saved version of an article: who, when, and its full content."""

    __tablename__ = "kb_versions"
    __table_args__ = (UniqueConstraint("article_id", "version", name="uq_kb_versions_article_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[list] = mapped_column(JSON)
    questions: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12))
    author: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class KbArticleCase(Base):
    """A case the article was drafted from ("created") or answered ("used")."""

    __tablename__ = "kb_article_cases"
    __table_args__ = (UniqueConstraint("article_id", "case_number", "relation", name="uq_kb_article_cases"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    case_number: Mapped[str] = mapped_column(String(20))
    relation: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
