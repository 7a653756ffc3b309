"""The conversation's language: set by the first clear message, kept through short ones, moved by a clear run."""

from language import Guess, steady_language


def msg(language: str, words: int = 6, confidence: float = 0.9) -> Guess:
    """A detected customer message."""
    return Guess(language=language, confidence=confidence, words=words)


def test_the_first_clear_message_sets_the_language_and_nothing_before_it_counts():
    assert steady_language([]) == "en"
    assert steady_language([msg("it", words=1), None]) == "en"  # "ciao", "👍": not enough to go on
    assert steady_language([msg("it", words=1), msg("nl"), msg("it", words=2)]) == "nl"


def test_a_short_reply_or_a_brand_name_never_switches_it():
    short = [msg("en", words=1), msg("fi", words=2), msg("en", words=2, confidence=0.99)]  # "ok", "google home"
    assert steady_language([msg("nl"), *short, msg("nl", words=3)]) == "nl"


def test_a_message_counts_by_the_detectors_first_choice_however_it_spreads_its_confidence():
    assert steady_language([msg("it", confidence=0.22)]) == "it"  # "ciao, il mio hub non si connette"


def test_one_clear_message_in_another_language_does_not_switch_but_a_run_of_them_does():
    assert steady_language([msg("it"), msg("en")]) == "it"
    assert steady_language([msg("it"), msg("en"), msg("it"), msg("en")]) == "it"  # no run: back and forth
    assert steady_language([msg("it"), msg("en"), msg("en", words=1), msg("en")]) == "en"  # short ones don't break it
    assert steady_language([msg("it"), msg("en"), msg("fi")]) == "it"  # two different languages are no run


def test_an_unserved_language_counts_only_when_the_detector_is_sure_of_it():
    assert steady_language([msg("other"), msg("other")]) == "other"
    assert steady_language([msg("fi"), msg("other")]) == "fi"
    assert steady_language([msg("other", confidence=0.17)]) == "en"  # "my hub is offline"


def test_an_explicit_choice_wins_over_every_message():
    assert steady_language([msg("nl"), msg("nl"), msg("nl")], chosen="fi") == "fi"
    assert steady_language([], chosen="it") == "it"
    assert steady_language([msg("nl")], chosen=None, default="fi") == "nl"
