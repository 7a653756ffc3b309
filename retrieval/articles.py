"""Knowledge-base articles: markdown files with YAML front matter, parsed with file and line in every error."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

ARTICLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")
FENCE = "---"
TRANSLATIONS = "translations"  # <kb>/translations/<language>/<id>.md: a KB of its own, left out of <kb> itself


class TextLoader(yaml.SafeLoader):
    """YAML that reads every scalar as text (only an empty value is null): `id: no` is "no", `id: 0123` is "0123"."""


TextLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class ArticleError(Exception):
    """A broken article file: the message names the file and the line."""

    def __init__(self, path: str | Path, line: int, message: str) -> None:
        self.path, self.line, self.message = str(path), line, message
        super().__init__(f"{self.path}:{line}: {message}")

    def to_dict(self) -> dict:
        """The error as JSON-ready data: {"path", "line", "message"}."""
        return {"path": self.path, "line": self.line, "message": self.message}


@dataclass(frozen=True)
class Article:
    """One knowledge-base article; `body` is the answer in markdown, `source` the file it came from ("" if none)."""

    id: str
    title: str
    body: str
    tags: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    language: str = "en"
    source: str = field(default="", compare=False)

    @cached_property
    def content_hash(self) -> str:
        """A hash of everything that is indexed: two articles with the same hash embed identically."""
        payload = [self.id, self.title, list(self.tags), list(self.questions), self.language, self.body]
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()[:20]

    @property
    def url(self) -> str:
        """The article's help-centre page, in the article's language."""
        return f"/help/{self.id}" if self.language == "en" else f"/help/{self.id}?lang={self.language}"

    def to_dict(self) -> dict:
        """The article as JSON-ready data."""
        return {
            "id": self.id,
            "title": self.title,
            "tags": list(self.tags),
            "questions": list(self.questions),
            "language": self.language,
            "body": self.body,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: dict, *, content_hash: str | None = None) -> Article:
        """The inverse of `to_dict`; a known `content_hash` is kept instead of being computed again."""
        article = cls(
            id=data["id"],
            title=data["title"],
            body=data.get("body", ""),
            tags=tuple(data.get("tags", ())),
            questions=tuple(data.get("questions", ())),
            language=data.get("language", "en"),
            source=data.get("source", ""),
        )
        if content_hash:
            article.__dict__["content_hash"] = content_hash  # what cached_property would store
        return article


def _key_line(front_lines: list[str], key: str) -> int:
    """The 1-based file line of `key:` in the front matter (which starts on file line 2), else 1."""
    pattern = re.compile(rf"^{re.escape(key)}\s*:")
    for number, line in enumerate(front_lines, start=2):
        if pattern.match(line):
            return number
    return 1


def _string_list(value: object, *, path: str, line: int, key: str) -> tuple[str, ...]:
    """A YAML value that must be a string or a list of strings, as a tuple of non-empty strings."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ArticleError(path, line, f"'{key}' must be a list of strings")
    return tuple(item.strip() for item in value if item.strip())


def parse_article(text: str, *, source: str | Path = "<string>") -> Article:
    """Parse one article from markdown text with YAML front matter.

    Args:
        text: The whole file: a `---` line, YAML with `id`, `title`, optional `tags`, `questions`, `language`,
            another `---` line, then the markdown body.
        source: The file name used in errors and kept on the article. Defaults to "<string>".

    Raises:
        ArticleError: naming the file and line of the problem.
    """
    path = str(source)
    lines = text.splitlines()
    if not lines or lines[0].strip() != FENCE:
        raise ArticleError(path, 1, "the file must start with a '---' line opening the YAML front matter")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == FENCE), None)
    if end is None:
        raise ArticleError(path, 1, "the front matter opened on line 1 is never closed by a '---' line")
    front_lines = lines[1:end]
    try:
        meta = yaml.load("\n".join(front_lines), Loader=TextLoader) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ArticleError(path, line, f"bad YAML front matter: {problem}") from None
    if not isinstance(meta, dict):
        raise ArticleError(path, 2, "the front matter must be a YAML mapping (key: value lines)")
    for key in ("id", "title"):
        if not str(meta.get(key) or "").strip():
            raise ArticleError(path, _key_line(front_lines, key), f"missing '{key}' in the front matter")
    article_id = str(meta["id"]).strip()
    if not ARTICLE_ID.match(article_id):
        raise ArticleError(
            path, _key_line(front_lines, "id"), f"id {article_id!r} may use only letters, digits, - and _"
        )
    language = str(meta.get("language") or "en").strip()
    return Article(
        id=article_id,
        title=str(meta["title"]).strip(),
        body="\n".join(lines[end + 1 :]).strip(),
        tags=_string_list(meta.get("tags"), path=path, line=_key_line(front_lines, "tags"), key="tags"),
        questions=_string_list(
            meta.get("questions"), path=path, line=_key_line(front_lines, "questions"), key="questions"
        ),
        language=language,
        source=path,
    )


def load_kb(kb_dir: str | Path) -> tuple[list[Article], list[ArticleError]]:
    """Parse every `*.md` file under `kb_dir` (sorted); a broken file never stops the others.

    The `translations/` folder at the top of `kb_dir` is skipped: `translations/<language>/` holds the same articles
    (same ids) in another language, and is loaded on its own, e.g. `load_kb("kb/translations/nl")`.

    Returns:
        The good articles and the errors. Of two files with the same id, the first (by path) wins and the
        second is reported as a duplicate at the line of its `id`.

    Raises:
        FileNotFoundError: when `kb_dir` is not a directory.
    """
    root = Path(kb_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"knowledge-base folder not found: {root}")
    articles: dict[str, Article] = {}
    errors: list[ArticleError] = []
    for file in sorted(p for p in root.rglob("*.md") if p.relative_to(root).parts[0] != TRANSLATIONS):
        try:
            article = parse_article(file.read_text(encoding="utf-8"), source=file)
        except ArticleError as exc:
            errors.append(exc)
            continue
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(ArticleError(file, 1, f"cannot read the file: {exc}"))
            continue
        if article.id in articles:
            front = file.read_text(encoding="utf-8").splitlines()
            line = _key_line(front[1:], "id")
            errors.append(
                ArticleError(file, line, f"duplicate id {article.id!r} (first in {articles[article.id].source})")
            )
            continue
        articles[article.id] = article
    return list(articles.values()), errors
