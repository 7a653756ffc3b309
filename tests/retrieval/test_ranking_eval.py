"""The development ranking measure: a question left out of the index is searched, never found as its own entry."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from retrieval.articles import Article
from retrieval.eval.ranking import question_ranks, recall, without_question
from tests.retrieval.sample_kb import ARTICLES


def sample_articles() -> list[Article]:
    """The sample KB as articles."""
    return [
        Article(id=key, title=title, body=body, tags=tuple(tags), questions=tuple(questions))
        for key, (title, tags, questions, body) in ARTICLES.items()
    ]


def test_the_kth_question_is_left_out_and_short_lists_stay_whole():
    articles = [
        Article(id="a", title="A", body="", questions=("q0", "q1", "q2")),
        Article(id="b", title="B", body="", questions=("r0",)),
    ]
    kept = without_question(articles, 1)
    assert kept[0].questions == ("q0", "q2") and kept[1].questions == ("r0",)


def test_held_out_questions_are_ranked_without_their_own_entry(embedder):
    articles = sample_articles()
    # Exact copies of a question in two articles: were the held-out copy left in the index, its own
    # article would always win with cosine 1; left out, the other article's copy wins.
    articles[0] = replace(articles[0], questions=("zebra quartz tangerine",))
    articles[1] = replace(articles[1], questions=("is it raining", "zebra quartz tangerine"))
    found = question_ranks(articles, embedder.encode)
    assert len(found) == sum(len(a.questions) for a in articles)
    first_of_fold_1 = len(articles)  # fold 0 asks every article; fold 1 starts with articles[1]
    assert found[0] > 0 and found[first_of_fold_1] > 0
    top1, top3 = recall(found)
    assert 0.5 <= top1 <= top3 <= 1.0
    assert recall(np.array([0, 1, 5])) == (1 / 3, 2 / 3)
