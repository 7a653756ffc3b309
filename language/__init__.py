"""The language a customer writes in: per message, and steadied over a conversation. Imports nothing of ours.

    from language import Guess, LanguageDetector, steady_language

    detector = LanguageDetector()                       # built once per process; models load on first use
    detector.detect("mijn pakket is niet aangekomen")   # Guess(language="nl", confidence=0.9…, words=5)
    detector.detect("hallo, wie geht's, ich brauche Hilfe")  # Guess(language="other", …): a language we don't serve
    steady_language([guess, …], chosen=None)             # "nl": the conversation's language so far

Detection is lingua (`lingua-language-detector`), offline, its models compiled into its wheel. It knows the served
languages (`SERVED`: en, nl, it, fi) and a few others (`OTHERS`) so that a message in a language we do not serve is
`"other"` instead of the nearest served one. Its own figures: `python -m language.eval`.
"""

from language.detection import OTHER, OTHERS, SERVED, Guess, LanguageDetector
from language.steadying import DECISIVE_CONFIDENCE, DECISIVE_WORDS, SWITCH_AFTER, steady_language

__all__ = [
    "DECISIVE_CONFIDENCE",
    "DECISIVE_WORDS",
    "OTHER",
    "OTHERS",
    "SERVED",
    "SWITCH_AFTER",
    "Guess",
    "LanguageDetector",
    "steady_language",
]
