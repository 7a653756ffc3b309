"""The KB as markdown files: `kb/` imports as published articles and `kb/translations/<locale>/` as their translations;
published articles export back for git."""

from pathlib import Path

import yaml

from knowledge import translations
from knowledge.models import LOCALES, KbArticle
from knowledge.service import Content, KnowledgeService
from retrieval import load_kb
from retrieval.articles import TRANSLATIONS


def import_folder(service: KnowledgeService, kb_dir: Path, *, author: str = "kb import") -> tuple[int, list[str]]:
    """Add each file's article that the database does not hold yet, as published; (added, file errors)."""
    articles, errors = load_kb(kb_dir)
    added = 0
    for article in articles:
        if service.session.get(KbArticle, article.id) is None:
            content = Content(article.title, article.body, list(article.tags), list(article.questions))
            service.create(content, author=author, status="published", article_id=article.id)
            added += 1
    return added, [str(error) for error in errors]


def import_translations(service: KnowledgeService, kb_dir: Path, *, author: str = "kb import") -> tuple[int, list[str]]:
    """Add each `<kb_dir>/translations/<locale>/<id>.md` whose article exists and lacks that translation, as
    translating the article's current version; (added, file errors)."""
    added, problems = 0, []
    for locale in LOCALES:
        folder = Path(kb_dir) / TRANSLATIONS / locale
        articles, errors = load_kb(folder) if folder.is_dir() else ([], [])
        problems += [str(error) for error in errors]
        for found in articles:
            article = service.session.get(KbArticle, found.id)
            if article is not None and translations.of(article, locale) is None:
                content = translations.Translated(found.title, found.body, list(found.questions))
                translations.save(service.session, article, locale, content, author=author)
                added += 1
    return added, problems


def to_markdown(article: KbArticle) -> str:
    """The article as a markdown file with YAML front matter (the format `kb/` uses)."""
    front = {"id": article.id, "title": article.title, "tags": list(article.tags), "questions": list(article.questions)}
    return (
        "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\n\n" + article.body.strip() + "\n"
    )


def export(article: KbArticle, kb_dir: Path) -> Path:
    """Write a published article to `<kb_dir>/<id>.md`."""
    path = Path(kb_dir) / f"{article.id}.md"
    path.write_text(to_markdown(article), encoding="utf-8")
    return path
