"""Split an article into index entries: its title, each of its `questions`, and bounded chunks of its body."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt

from retrieval.articles import Article

MAX_CHUNK_WORDS = 120
SNIPPET_CHARS = 300
_markdown = MarkdownIt("commonmark").enable("table")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Entry:
    """One embedded and lexically indexed text pointing at an article.

    `kind` is "title", "question" or "chunk"; `text` is what is embedded and matched; `plain` is the
    chunk's own plain text (without the title and heading context), used as a snippet.
    """

    article_id: str
    kind: str
    text: str
    plain: str = ""


def _inline_text(token) -> str:
    """Plain text of an inline markdown token (links keep their text, markup is dropped)."""
    parts = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def blocks(body: str) -> list[tuple[str, str]]:
    """The body's text blocks in order as (heading, plain text); table rows and code blocks are blocks too."""
    result: list[tuple[str, str]] = []
    heading, in_heading, in_cell, row = "", False, False, []
    for token in _markdown.parse(body):
        if token.type in ("heading_open", "heading_close"):
            in_heading = token.type == "heading_open"
        elif token.type in ("th_open", "td_open", "th_close", "td_close"):
            in_cell = token.type.endswith("_open")
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row:
            result.append((heading, " | ".join(row)))
        elif token.type == "inline":
            text = _inline_text(token)
            if in_heading:
                heading = text
            elif in_cell:
                row.append(text)
            elif text:
                result.append((heading, text))
        elif token.type in ("fence", "code_block") and token.content.strip():
            result.append((heading, re.sub(r"\s+", " ", token.content).strip()))
    return result


def _split_long(text: str, max_words: int) -> list[str]:
    """Split a paragraph longer than `max_words` at sentence ends, and at word counts if a sentence is too long."""
    pieces: list[str] = []
    current: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        words = sentence.split()
        while len(words) > max_words:
            pieces.append(" ".join(words[:max_words]))
            words = words[max_words:]
        if current and len(current) + len(words) > max_words:
            pieces.append(" ".join(current))
            current = []
        current.extend(words)
    if current:
        pieces.append(" ".join(current))
    return pieces


def chunks(body: str, *, max_words: int = MAX_CHUNK_WORDS) -> list[tuple[str, str]]:
    """Pack consecutive blocks under the same heading into chunks of at most `max_words` words (default 120)."""
    result: list[tuple[str, str]] = []
    heading, current = None, []
    for block_heading, text in blocks(body):
        for piece in _split_long(text, max_words):
            size = sum(len(p.split()) for p in current) + len(piece.split())
            if current and (block_heading != heading or size > max_words):
                result.append((heading or "", " ".join(current)))
                current = []
            heading = block_heading
            current.append(piece)
    if current:
        result.append((heading or "", " ".join(current)))
    return result


def entries_for(article: Article, *, max_words: int = MAX_CHUNK_WORDS) -> list[Entry]:
    """The article's entries: its title, each question, and each body chunk prefixed with title and heading."""
    found = [Entry(article.id, "title", article.title)]
    found += [Entry(article.id, "question", question) for question in article.questions]
    for heading, text in chunks(article.body, max_words=max_words):
        context = f"{article.title}. {heading}: " if heading and heading != article.title else f"{article.title}. "
        found.append(Entry(article.id, "chunk", context + text, plain=text))
    return found


def shorten(text: str, *, limit: int = SNIPPET_CHARS) -> str:
    """Cut plain text to at most `limit` characters (default 300) at a word boundary, ending with an ellipsis."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.-")
    return cut + "…"


def first_paragraph(body: str) -> str:
    """The body's first text block as plain text, at most 300 characters."""
    found = blocks(body)
    return shorten(found[0][1]) if found else ""
