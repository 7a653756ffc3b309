"""Article parsing: front matter, errors with file and line, a broken file never stops the others."""

from pathlib import Path

import pytest

from retrieval.articles import ArticleError, load_kb, parse_article
from retrieval.chunking import entries_for, excerpt, passages

GOOD = """---
id: hub-e204
title: Hub error E-204
tags: [troubleshooting, hub]
questions:
  - my hub blinks orange
language: en
---
The **hub** cannot reach [the cloud](https://example.com).

## Fix it

Restart the router.
"""


def test_parse_reads_front_matter_and_body():
    article = parse_article(GOOD, source="kb/hub.md")
    assert (article.id, article.title, article.tags) == ("hub-e204", "Hub error E-204", ("troubleshooting", "hub"))
    assert article.questions == ("my hub blinks orange",)
    assert article.body.startswith("The **hub**") and article.source == "kb/hub.md"


def test_content_hash_follows_content():
    article = parse_article(GOOD)
    assert article.content_hash == parse_article(GOOD, source="elsewhere.md").content_hash
    assert article.content_hash != parse_article(GOOD.replace("router", "modem")).content_hash


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("---\nid: a\ntitle: [unclosed\n---\nbody", 3, "bad YAML"),
        ("---\nid: a\ntags: [x]\n---\nbody", 1, "missing 'title'"),
        ("---\ntitle: T\nid: ''\n---\nbody", 3, "missing 'id'"),
        ("---\nid: a b\ntitle: T\n---\nbody", 2, "may use only"),
        ("---\nid: a\ntitle: T\ntags: {x: 1}\n---\nbody", 4, "'tags' must be"),
        ("no front matter", 1, "must start"),
        ("---\nid: a\ntitle: T\nbody", 1, "never closed"),
    ],
)
def test_errors_name_file_and_line(text, line, words):
    with pytest.raises(ArticleError) as caught:
        parse_article(text, source="kb/broken.md")
    assert caught.value.path == "kb/broken.md" and caught.value.line == line
    assert words in str(caught.value) and str(caught.value).startswith(f"kb/broken.md:{line}: ")


def test_load_kb_keeps_good_articles_and_reports_broken_and_duplicate(tmp_path: Path):
    (tmp_path / "a.md").write_text(GOOD)
    (tmp_path / "b.md").write_text("---\nid: [oops\n---\n")
    (tmp_path / "c.md").write_text("---\ntitle: Same id\nid: hub-e204\n---\ntext")
    articles, errors = load_kb(tmp_path)
    assert [a.id for a in articles] == ["hub-e204"]
    assert [(Path(e.path).name, e.line) for e in errors] == [("b.md", 2), ("c.md", 3)]
    assert "duplicate id" in errors[1].message


def test_load_kb_leaves_out_the_translations_folder_which_loads_on_its_own(tmp_path: Path):
    (tmp_path / "billing").mkdir()
    (tmp_path / "billing" / "a.md").write_text(GOOD)
    (tmp_path / "translations" / "nl").mkdir(parents=True)
    (tmp_path / "translations" / "nl" / "a.md").write_text(GOOD.replace("language: en", "language: nl"))
    articles, errors = load_kb(tmp_path)
    assert [(a.id, a.language) for a in articles] == [("hub-e204", "en")] and errors == []
    dutch, errors = load_kb(tmp_path / "translations" / "nl")
    assert [(a.id, a.language) for a in dutch] == [("hub-e204", "nl")] and errors == []


def test_entries_title_questions_and_bounded_passages():
    body = "Intro paragraph.\n\n## Steps\n\n" + " ".join(f"Word{i} here." for i in range(150))
    article = parse_article(GOOD.split("---\nThe")[0] + "---\n" + body)
    entries = entries_for(article, max_words=100)
    kinds = [e.kind for e in entries]
    assert kinds[:2] == ["title", "question"] and kinds.count("chunk") == 4
    chunks = [e for e in entries if e.kind == "chunk"]
    assert all(len(e.plain.split()) <= 100 for e in chunks)
    assert chunks[1].text.startswith("Hub error E-204. Steps: Word0 here.") and chunks[1].plain.endswith("here.")


def test_each_paragraph_and_each_list_is_its_own_passage_with_items_on_their_own_lines():
    body = (
        "You can return anything within 30 days.\n\nTo return it:\n\n1. Open **Orders**.\n2. Tap *Return*.\n\n"
        "- Pack it well.\n- Drop it at the carrier.\n\nRefunds follow within 5 days."
    )
    assert passages(body) == [
        ("", "You can return anything within 30 days."),
        ("", "To return it:\n1. Open Orders.\n2. Tap Return."),
        ("", "- Pack it well.\n- Drop it at the carrier."),
        ("", "Refunds follow within 5 days."),
    ]


def test_excerpt_ends_at_a_sentence_or_list_item_never_inside_one():
    steps = "\n".join(f"{n}. Step number {n} of the setup, done in the app under Settings." for n in range(1, 9))
    cut = excerpt(steps)
    assert len(cut) <= 300 and cut.endswith("Settings.") and cut.splitlines()[0].startswith("1. Step")
    prose = " ".join(f"Sentence {n} says something useful about the hub." for n in range(20))
    assert excerpt(prose).endswith("hub.") and len(excerpt(prose)) <= 300
    assert excerpt("One very long sentence " * 30 + "ends here.").endswith("ends here.")


@pytest.mark.parametrize("article_id", ["no", "yes", "on", "off", "true", "0123"])
def test_ids_are_text_even_when_yaml_would_read_a_boolean_or_number(article_id):
    article = parse_article(f"---\nid: {article_id}\ntitle: On and off\ntags: [on, 12]\n---\nbody")
    assert article.id == article_id and article.title == "On and off" and article.tags == ("on", "12")
