"""The demo KB in four languages: every English article of kb/ has a Dutch, Italian and Finnish translation."""

from pathlib import Path

import pytest

from retrieval.articles import load_kb

KB = Path(__file__).resolve().parents[2] / "kb"
LANGUAGES = ("nl", "it", "fi")


def test_the_kb_folder_still_loads_only_its_english_articles():
    articles, errors = load_kb(KB)
    assert errors == []
    assert sorted(a.id for a in articles) == sorted(p.stem for p in KB.glob("*.md"))
    assert {a.language for a in articles} == {"en"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_article_has_a_translation_with_the_same_id_tags_and_its_language(language: str):
    english = {a.id: a for a in load_kb(KB)[0]}
    translated, errors = load_kb(KB / "translations" / language)
    assert [str(e) for e in errors] == []
    assert sorted(a.id for a in translated) == sorted(english)
    for article in translated:
        source = english[article.id]
        assert Path(article.source).name == Path(source.source).name
        assert article.language == language
        assert article.tags == source.tags  # tags choose the desk skill (kb/skills.yml): never translated
        assert article.title != source.title and article.body != source.body
        assert len(article.questions) >= len(source.questions) > 0
        assert len(set(article.questions) & set(source.questions)) < len(source.questions) / 2  # loanwords only
