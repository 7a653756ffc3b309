"""The uncertainty `make eval` prints beside the held-out macro-F1."""

from bot.eval.nlu import bootstrap_interval


def test_an_error_free_split_has_no_spread_and_errors_widen_it_around_the_score():
    gold = ["greet"] * 20 + ["goodbye"] * 20 + ["thank"] * 20
    assert bootstrap_interval(gold, gold) == (1.0, 1.0)
    predicted = ["greet"] * 17 + ["goodbye"] * 3 + ["goodbye"] * 20 + ["thank"] * 18 + ["greet"] * 2
    low, high = bootstrap_interval(gold, predicted)
    assert 0.8 < low < 0.92 < high < 1.0  # macro-F1 of these predictions is 0.917
