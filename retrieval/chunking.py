"""Split an article into index entries: its title, each of its `questions`, and each passage of its body.

A passage is one paragraph, one list (with the paragraph ending in ":" that introduces it), one table or
one code block, under its heading; a passage over MAX_PASSAGE_WORDS words is split at sentence or
list-item boundaries. A passage's plain text keeps each list item and table row on its own line, so the
snippet shown to a customer reads as the article does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt

from retrieval.articles import Article

MAX_PASSAGE_WORDS = 120
SNIPPET_CHARS = 300
_markdown = MarkdownIt("commonmark").enable("table")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(*])")
_OWN_LINE = re.compile(r"^\s*(?:[-*] |\d+\. )|.* \| ")  # list items and table rows are never cut into sentences


@dataclass(frozen=True)
class Entry:
    """One embedded and lexically indexed text pointing at an article.

    `kind` is "title", "question" or "chunk"; `text` is what is embedded and matched; `plain` is the
    chunk's own plain text (without the title and heading context, list items on their own lines),
    from which the snippet is cut.
    """

    article_id: str
    kind: str
    text: str
    plain: str = ""


@dataclass
class Block:
    """One text block of a body: `kind` is "paragraph", "item" (text starts with its marker), "row" or "code".

    `group` numbers the top-level list or table the block belongs to (0 for the others).
    """

    heading: str
    kind: str
    text: str
    group: int = 0


def _inline_text(token) -> str:
    """Plain text of an inline markdown token (links keep their text, markup is dropped)."""
    parts = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def blocks(body: str) -> list[Block]:
    """The body's text blocks in order; list items carry their "1. " or "- " marker, nested ones indented."""
    result: list[Block] = []
    heading, in_heading, in_cell, row = "", False, False, []
    lists: list[list] = []  # per open list: [ordered, next number]
    item_started, group = False, 0
    for token in _markdown.parse(body):
        kind = token.type
        if kind in ("heading_open", "heading_close"):
            in_heading = kind == "heading_open"
        elif kind in ("bullet_list_open", "ordered_list_open"):
            group += not lists
            lists.append([kind == "ordered_list_open", int(token.attrGet("start") or 1)])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            item_started = True
        elif kind in ("th_open", "td_open", "th_close", "td_close"):
            in_cell = kind.endswith("_open")
        elif kind == "table_open":
            group += 1
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row:
            result.append(Block(heading, "row", " | ".join(row), group))
        elif kind == "inline":
            text = _inline_text(token)
            if in_heading:
                heading = text
            elif in_cell:
                row.append(text)
            elif text and lists and item_started:
                ordered, number = lists[-1]
                lists[-1][1] += 1
                marker = f"{number}. " if ordered else "- "
                result.append(Block(heading, "item", "  " * (len(lists) - 1) + marker + text, group))
                item_started = False
            elif text and lists and result:  # a later paragraph of the same list item
                result[-1].text += " " + text
            elif text:
                result.append(Block(heading, "paragraph", text))
        elif kind in ("fence", "code_block") and token.content.strip():
            result.append(Block(heading, "code", re.sub(r"\s+", " ", token.content).strip()))
    return result


def _joins(previous: Block | None, block: Block) -> bool:
    """Whether `block` continues the passage that `previous` ends (a list, a table, or what a colon introduces)."""
    if previous is None or previous.heading != block.heading or block.kind == "paragraph":
        return False
    if previous.kind == block.kind and block.kind in ("item", "row"):
        return previous.group == block.group
    return previous.kind == "paragraph" and previous.text.endswith(":")


def _split_long(lines: list[str], max_words: int) -> list[str]:
    """Lines regrouped into pieces of at most `max_words` words, cut between lines or between sentences."""
    pieces, current, size = [], "", 0
    for line in lines:
        for number, unit in enumerate([line] if _OWN_LINE.match(line) else sentences_of(line)):
            words = len(unit.split())
            if current and size + words > max_words:
                pieces.append(current)
                current, size = "", 0
            current = unit if not current else current + (" " if number else "\n") + unit
            size += words
    return pieces + [current] if current else pieces


def sentences_of(text: str) -> list[str]:
    """A paragraph's sentences."""
    return [s for s in _SENTENCE_END.split(text) if s]


def passages(body: str, *, max_words: int = MAX_PASSAGE_WORDS) -> list[tuple[str, str]]:
    """The body's passages as (heading, plain text with one line per list item or row), at most `max_words` each."""
    groups: list[tuple[str, list[str]]] = []
    previous = None
    for block in blocks(body):
        if _joins(previous, block):
            groups[-1][1].append(block.text)
        else:
            groups.append((block.heading, [block.text]))
        previous = block
    result = []
    for heading, lines in groups:
        if sum(len(line.split()) for line in lines) <= max_words:
            result.append((heading, "\n".join(lines)))
        else:
            result += [(heading, piece) for piece in _split_long(lines, max_words)]
    return result


def entries_for(article: Article, *, max_words: int = MAX_PASSAGE_WORDS) -> list[Entry]:
    """The article's entries: its title, each question, and each passage prefixed with title and heading."""
    found = [Entry(article.id, "title", article.title)]
    found += [Entry(article.id, "question", question) for question in article.questions]
    for heading, text in passages(article.body, max_words=max_words):
        context = f"{article.title}. {heading}: " if heading and heading != article.title else f"{article.title}. "
        found.append(Entry(article.id, "chunk", context + text.replace("\n", " "), plain=text))
    return found


def excerpt(plain: str, *, limit: int = SNIPPET_CHARS) -> str:
    """The passage's leading whole sentences and list items within `limit` characters (default 300).

    Never cuts inside a sentence or list item: a first one longer than `limit` is kept whole.
    """
    out = ""
    for line in plain.split("\n"):
        for number, unit in enumerate([line] if _OWN_LINE.match(line) else sentences_of(line)):
            joined = unit if not out else out + (" " if number else "\n") + unit
            if out and len(joined) > limit:
                return out
            out = joined
    return out
