"""The reader trial's data: every question comes with a passage that answers it and one that does not."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from retrieval.eval.reader_trial import DATA, auc, pairs, read


def test_every_question_is_paired_with_an_answering_and_a_non_answering_passage():
    files = sorted(DATA.glob("*.jsonl"))
    assert len(files) == 4
    articles = read(files)
    assert len(articles) == 96 and len({a["company"] for a in articles}) == 12
    for article in articles:
        count = len(article["paragraphs"])
        for kind, rewrite in (("answerable", "without"), ("near_miss", "with"), ("other_brand", "with")):
            for item in article[kind]:
                assert 0 <= item["paragraph"] < count, (article["title"], item["q"])
                assert item[rewrite].strip() and item[rewrite] != article["paragraphs"][item["paragraph"]]
    labels = defaultdict(set)
    for question, _, label, _ in pairs(articles, np.random.default_rng(0)):
        labels[question].add(label)
    assert all(found == {0.0, 1.0} for found in labels.values())  # the wording alone cannot tell the two apart


def test_area_under_the_curve_counts_ties_as_half():
    assert auc(np.array([0.9, 0.8]), np.array([0.1, 0.2])) == 1.0
    assert auc(np.array([0.5]), np.array([0.5])) == 0.5
    assert auc(np.array([0.1]), np.array([0.9, 0.2])) == 0.0
