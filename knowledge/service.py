"""Article rules over one session: create, save (a new version; stale saves refused), review, publish,
archive, revert, history with diffs. Who may publish is the caller's check; what may be published is here."""

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from knowledge.models import SOURCE_LANGUAGE, KbArticle, KbArticleCase, KbTranslation, KbVersion, utcnow
from retrieval import Article

MOVES = {  # status → statuses it may move to
    "draft": {"in_review", "published", "archived"},
    "in_review": {"draft", "published", "archived"},
    "published": {"archived", "in_review"},
    "archived": {"draft", "published"},
}
SLUG = re.compile(r"[^a-z0-9]+")


class StaleVersion(Exception):
    """The article changed since the caller read it (the API answers 409); nothing was written."""


class Invalid(ValueError):
    """The article as it stands cannot take this step (the API answers 409 naming the field)."""


class NotFound(LookupError):
    """No such article (the API answers 404)."""


@dataclass(frozen=True)
class Content:
    """What an editor writes: title, body, tags, questions."""

    title: str
    body: str
    tags: list[str]
    questions: list[str]


def slugify(title: str) -> str:
    """An article id from a title: lowercase words joined by dashes."""
    return SLUG.sub("-", title.lower()).strip("-")[:60] or "article"


def to_retrieval(article: KbArticle, translation: KbTranslation | None = None) -> Article:
    """The article, or its translation (under the article's id and tags), as the search index takes it."""
    words = translation or article
    return Article(
        id=article.id,
        title=words.title,
        body=words.body,
        tags=tuple(article.tags),
        questions=tuple(words.questions),
        language=translation.locale if translation else SOURCE_LANGUAGE,
    )


def as_published(article: KbArticle, content: Content | None = None) -> Article:
    """What the index will hold once `article` (with `content` saved onto it, if given) is published: a proposed
    update replaces the article it updates."""
    content = content or Content(article.title, article.body, list(article.tags), list(article.questions))
    return Article(
        id=article.update_of or article.id,
        title=content.title,
        body=content.body,
        tags=tuple(content.tags),
        questions=tuple(content.questions),
    )


class KnowledgeService:
    """Articles over one session; callers commit."""

    def __init__(self, session: Session, clock: Callable[[], datetime] = utcnow) -> None:
        self.session, self.clock = session, clock

    def get(self, article_id: str) -> KbArticle:
        """The article, or NotFound."""
        article = self.session.get(KbArticle, article_id)
        if article is None:
            raise NotFound(f"no article {article_id}")
        return article

    def find(self, *, text: str = "", status: str | None = None, tag: str | None = None) -> list[KbArticle]:
        """Articles matching a word in the title or body, a status and a tag; most recently updated first."""
        query = select(KbArticle)
        if status:
            query = query.where(KbArticle.status == status)
        if text:
            like = f"%{text.lower()}%"
            query = query.where(or_(func.lower(KbArticle.title).like(like), func.lower(KbArticle.body).like(like)))
        found = list(self.session.scalars(query.order_by(KbArticle.updated_at.desc(), KbArticle.id)))
        return [a for a in found if tag in a.tags] if tag else found

    def published(self) -> list[KbArticle]:
        """Every published article (what the index must hold)."""
        return list(self.session.scalars(select(KbArticle).where(KbArticle.status == "published")))

    def most_served(self, limit: int) -> list[KbArticle]:
        """The published articles the bot answered with most (ties: the title), for the widget's topics."""
        query = select(KbArticle).where(KbArticle.status == "published")
        return list(self.session.scalars(query.order_by(KbArticle.served.desc(), KbArticle.title).limit(limit)))

    def create(self, content: Content, *, author: str, status: str = "draft", article_id: str | None = None, **extra):
        """A new article (id from the title, made unique) with its first version."""
        check(content.title, content.body)
        base = article_id or slugify(content.title)
        unique, n = base, 2
        while self.session.get(KbArticle, unique) is not None:
            unique, n = f"{base}-{n}", n + 1
        article = KbArticle(
            id=unique, status=status, version=1, updated_by=author, updated_at=self.clock(), **_fields(content), **extra
        )
        self.session.add(article)
        self._version(article, author, "created")
        return article

    def save(self, article_id: str, content: Content, *, expected_version: int, author: str) -> KbArticle:
        """Save an edit as a new version; StaleVersion if someone saved since `expected_version`."""
        article = self.get(article_id)
        if article.version != expected_version:
            raise StaleVersion(
                f"version: {article.updated_by} saved version {article.version} after the version {expected_version} "
                "you edited; reload it and apply your change again"
            )
        if article.status == "published":
            check(content.title, content.body)
        for name, value in _fields(content).items():
            setattr(article, name, value)
        self._bump(article, author, "edited")
        return article

    def move(self, article_id: str, status: str, *, author: str, expected_version: int | None = None) -> KbArticle:
        """Change the status (publishing needs a title and a body); StaleVersion on a stale version."""
        article = self.get(article_id)
        if expected_version is not None and article.version != expected_version:
            raise StaleVersion(f"version: the article is at version {article.version}, not {expected_version}")
        if status not in MOVES.get(article.status, set()):
            raise Invalid(f"status: a {article.status} article cannot become {status}")
        if status == "published":
            check(article.title, article.body)
        article.status = status
        self._bump(article, author, status)
        return article

    def revert(self, article_id: str, to_version: int, *, author: str, expected_version: int) -> KbArticle:
        """Bring back an earlier version's content as a new version."""
        old = self.session.scalar(
            select(KbVersion).where(KbVersion.article_id == article_id, KbVersion.version == to_version)
        )
        if old is None:
            raise NotFound(f"article {article_id} has no version {to_version}")
        content = Content(old.title, old.body, list(old.tags), list(old.questions))
        article = self.save(article_id, content, expected_version=expected_version, author=author)
        self.session.get(KbVersion, self._latest(article).id).note = f"reverted to version {to_version}"
        return article

    def note(self, article: KbArticle, note: str) -> None:
        """Add a note to the article's latest version (why it changed)."""
        latest = self._latest(article)
        latest.note = f"{latest.note}; {note}"[:200]

    def history(self, article_id: str) -> list[dict]:
        """Every version, newest first, with its diff against the one before."""
        versions = list(
            self.session.scalars(
                select(KbVersion).where(KbVersion.article_id == article_id).order_by(KbVersion.version)
            )
        )
        rows, previous = [], ""
        for version in versions:
            text = _as_text(version)
            diff = difflib.unified_diff(previous.splitlines(), text.splitlines(), "before", "after", lineterm="")
            rows.append(
                {
                    "version": version.version,
                    "status": version.status,
                    "author": version.author,
                    "note": version.note,
                    "created_at": version.created_at.isoformat(),
                    "diff": "\n".join(diff),
                }
            )
            previous = text
        return rows[::-1]

    def link_case(self, article_id: str, case_number: str, relation: str) -> None:
        """Record that a case created or used the article (once)."""
        exists = self.session.scalar(
            select(KbArticleCase).where(
                KbArticleCase.article_id == article_id,
                KbArticleCase.case_number == case_number,
                KbArticleCase.relation == relation,
            )
        )
        if exists is None:
            self.session.add(KbArticleCase(article_id=article_id, case_number=case_number, relation=relation))

    def drafted_from(self, case_number: str) -> list[str]:
        """Articles already drafted from this case."""
        query = select(KbArticleCase.article_id).where(
            KbArticleCase.case_number == case_number, KbArticleCase.relation == "created"
        )
        return list(self.session.scalars(query))

    def cases(self, article_id: str) -> list[dict]:
        """The cases linked to the article."""
        query = select(KbArticleCase).where(KbArticleCase.article_id == article_id).order_by(KbArticleCase.id)
        return [{"case_number": c.case_number, "relation": c.relation} for c in self.session.scalars(query)]

    def _bump(self, article: KbArticle, author: str, note: str) -> None:
        """Count a save: new version number, time, author, version row."""
        article.version += 1
        article.updated_at, article.updated_by = self.clock(), author
        self._version(article, author, note)

    def _version(self, article: KbArticle, author: str, note: str) -> None:
        """Store the article's current content as a version row."""
        self.session.add(
            KbVersion(
                article_id=article.id,
                version=article.version,
                title=article.title,
                body=article.body,
                tags=list(article.tags),
                questions=list(article.questions),
                status=article.status,
                author=author,
                note=note,
                created_at=self.clock(),
            )
        )
        self.session.flush()

    def _latest(self, article: KbArticle) -> KbVersion:
        """The newest version row."""
        return self.session.scalar(
            select(KbVersion).where(KbVersion.article_id == article.id).order_by(KbVersion.version.desc()).limit(1)
        )


def check(title: str, body: str) -> None:
    """Invalid unless there is a title and a body (of an article or a translation)."""
    if not title.strip():
        raise Invalid("title: must not be empty")
    if not body.strip():
        raise Invalid("body: must not be empty")


def _fields(content: Content) -> dict:
    """The columns an edit sets."""
    return {
        "title": content.title.strip(),
        "body": content.body.strip(),
        "tags": list(dict.fromkeys(t.strip().lower() for t in content.tags if t.strip())),  # first tag = topic
        "questions": cleaned_questions(content.questions),
    }


def cleaned_questions(questions: list[str]) -> list[str]:
    """The questions trimmed, without blanks or repeats, in their order."""
    return [q.strip() for q in dict.fromkeys(questions) if q.strip()]


def _as_text(version: KbVersion) -> str:
    """A version as text, for diffs."""
    return "\n".join(
        [f"title: {version.title}", f"tags: {', '.join(version.tags)}", "questions:"]
        + [f"- {q}" for q in version.questions]
        + ["", version.body]
    )
