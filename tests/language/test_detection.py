"""One message's language with the real detector: served languages, a language we don't serve, no words at all."""

import pytest

from language import OTHER, LanguageDetector


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    """The detector as the platform builds it (high-accuracy mode)."""
    return LanguageDetector()


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("my smart plug keeps switching itself off at night", "en"),
        ("de slimme stekker schakelt 's nachts steeds zichzelf uit", "nl"),
        ("la presa intelligente si spegne da sola ogni notte", "it"),
        ("älypistorasia sammuu itsestään joka yö", "fi"),
        ("die intelligente Steckdose schaltet sich nachts immer aus", OTHER),
        ("la prise connectée s'éteint toute seule chaque nuit", OTHER),
    ],
)
def test_a_message_gets_its_served_language_or_other(detector: LanguageDetector, text: str, language: str):
    guess = detector.detect(text)
    assert guess is not None and guess.language == language and guess.confidence > 0.5


def test_words_are_counted_and_a_message_without_words_has_no_language(detector: LanguageDetector):
    assert detector.detect("waar blijft mijn pakket?").words == 4
    assert detector.detect("E-402!").words == 1
    assert detector.detect("12345 ?! 👍") is None
