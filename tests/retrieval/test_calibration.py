"""Confidence models, the KB vocabulary and tuning helpers, without the embedding model."""

import numpy as np
import pytest

from retrieval.analysis import ANALYZERS, ENGLISH
from retrieval.articles import Article
from retrieval.calibration import CODE_BONUS, Entries, article_scores, fuse, swap_specific_word
from retrieval.confidence import FEATURES, Calibration, Logistic, decide, fit_logistic, fit_temperature, share_of_best
from retrieval.store import IndexBusy
from retrieval.tuning import split, worth_tuning
from retrieval.vocabulary import Vocabulary


def test_fitted_confidence_is_a_probability():
    rng = np.random.default_rng(0)
    x = rng.normal(0.0, 1.0, (4000, len(FEATURES)))
    truth = 1 / (1 + np.exp(-(2.0 * x[:, 0] - 1.5 * x[:, 5] + 0.5)))
    labels = rng.random(4000) < truth
    model = fit_logistic(x, labels.astype(float), np.ones(4000))
    predicted = model.probability(x)
    for low in (0.1, 0.5, 0.8):
        band = (predicted >= low) & (predicted < low + 0.1)
        assert abs(labels[band].mean() - predicted[band].mean()) < 0.06
    assert np.abs(predicted - truth).mean() < 0.04


def test_two_articles_that_score_alike_are_never_more_than_an_even_bet():
    sure_the_kb_covers_it = Logistic([0.0] * len(FEATURES), 20.0)
    calibration = Calibration(sure_the_kb_covers_it, temperature=1.0, method="test")
    tied, clear = np.zeros((1, len(FEATURES))), np.zeros((1, len(FEATURES)))
    tied[0, 1:3] = [0.0, 10.0]
    clear[0, 1:3] = [10.0, 10.0]
    assert calibration.confidences(tied)[0][0] <= 0.5 < calibration.confidences(tied)[1][0]
    assert calibration.confidences(clear)[0][0] > 0.99


def test_the_fitted_temperature_is_the_one_the_rankings_came_from():
    rng = np.random.default_rng(0)
    x = np.zeros((5000, len(FEATURES)))
    x[:, 1], x[:, 2] = rng.uniform(0, 3, 5000), 10.0
    best_is_right = rng.random(5000) < share_of_best(x, 1.6)
    assert 1.3 < fit_temperature(x, best_is_right) < 2.0


def test_decision_answers_asks_or_says_none():
    assert decide(0.9, 0.95, [1.0, -2.0, -2.5]) == ("answer", 1)
    assert decide(0.4, 0.8, [1.0, 0.9, -3.0]) == ("clarify", 2)
    assert decide(0.4, 0.8, [1.0, 0.9, 0.5]) == ("clarify", 3)
    assert decide(0.4, 0.3, [1.0, 0.9, 0.5]) == ("none", 0)


def test_words_the_kb_never_uses_count_as_their_share_of_the_questions_specific_words():
    kb = Vocabulary(["password", "reset", "bulb", "hub", "e-204", "charging", "order", "error", "keep"])
    assert kb.unknown_share("my pasword reset") == 0.0  # a typing slip of a KB word
    assert kb.unknown_share("my bulbs keep charge orders") == 0.0  # other endings of KB words
    assert kb.unknown_share("I want to know what you think") == 0.0  # everyday words only
    assert kb.unknown_share("reset my Zorblaxian hub") == 1.0  # a name no dictionary has: the question hinges on it
    assert kb.unknown_share("error E-999 on the hub") == 1.0 and kb.unknown_share("error E-204") == 0.0  # codes too
    assert 0.3 < kb.unknown_share("reset the hub with alexa") < 0.6  # a dictionary word: its share of the question
    with_more_kb_words = kb.unknown_share("after the error my hub bulb password reset keeps asking for alexa")
    assert with_more_kb_words < kb.unknown_share("reset the hub with alexa") - 0.1  # relative to what the KB has


def test_a_swapped_question_hinges_on_a_word_the_kb_lacks():
    kb = Vocabulary(["will", "bulb", "work", "alexa"])
    swapped = swap_specific_word("will the bulb work with alexa", kb, np.random.default_rng(0))
    assert swapped and "alexa" not in swapped and kb.unknown_share(swapped) > 0.3


def test_tuning_wants_enough_questions_for_the_language_and_holds_out_a_fifth():
    articles = [
        Article(id=f"a{i}", title=f"T{i}", body="", questions=tuple(f"q{i}-{j}" for j in range(10))) for i in range(30)
    ]
    assert worth_tuning(articles[:19], ENGLISH) is False and worth_tuning(articles[:25], ENGLISH) is True
    assert worth_tuning(articles[:25], ANALYZERS["nl"]) is False and worth_tuning(articles * 2, ANALYZERS["nl"]) is True
    train, held = split(articles)
    assert len(held) == 6 and not held & set(train)
    assert all(len(questions) == 8 for questions in train.values())


def test_a_second_writer_is_refused(built):
    with built.store.writing(), pytest.raises(IndexBusy):
        built.remove("refunds")


def test_held_out_questions_are_scored_with_the_code_bonus_the_index_serves():
    texts = ["Error E-204: Device not responding", "E-204 on my bulb", "The Hub is offline", "hub light is red"]
    vectors = np.tile(np.eye(4)[:1], (4, 1)).astype(np.float32)  # every entry alike
    entries = Entries(vectors, np.array([0, 0, 1, 1]), np.array(["title", "question"] * 2), texts, 2)
    assert entries.code_in_title(["my bulb says e204", "my bulb is off"]).tolist() == [[1.0, 0.0], [0.0, 0.0]]
    mask, live = np.array([True, False, True, True]), np.ones(2, dtype=bool)
    scores, cos, lexical, _ = article_scores(entries, vectors[:1], ["my bulb says E-204"], mask, None, live)
    beta = entries.analyzer.lexical_weight
    assert scores == pytest.approx(fuse(0.0, cos, lexical, beta, np.array([[1.0, 0.0]])))
    assert scores[0, 0] - fuse(0.0, cos, lexical, beta)[0, 0] == pytest.approx(CODE_BONUS)


def test_an_index_fit_before_the_head_logit_feature_keeps_its_confidence_until_re_indexed():
    six = Logistic([1.0, 0.5, 0.0, 0.0, 0.0, -2.0], 0.3, [0.0] * 6, [1.0] * 6)
    fit_before = Calibration.from_dict(Calibration(six, 1.0, "held-out").to_dict())
    x = np.array([[2.0, 1.0, 1.5, 0.6, 0.2, 0.1, 40.0]])
    confidence, in_top3 = fit_before.confidences(x)
    assert in_top3[0] == pytest.approx(six.probability(x[:, :6])[0])
    assert 0.0 < confidence[0] < in_top3[0]
