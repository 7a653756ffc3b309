"""The language a customer writes in: per message, and steadied over a conversation. Imports nothing of ours.

    from language import Guess, LanguageDetector, steady_language

    detector = LanguageDetector()                       # built once per process; models load on first use
    detector.detect("mijn pakket is niet aangekomen")   # Guess(language="nl", confidence=0.9…, words=5)
    detector.detect("hallo, wie geht's, ich brauche Hilfe")  # Guess(language="other", …): a language we don't serve
    steady_language([guess, …], chosen=None)             # "nl": the conversation's language so far
    Steadied(language, candidate, run).after(guess)      # the same, one message at a time (a state to store)
    preload(enabled=True); ready_detector()              # one shared detector per process, loaded in the background

Detection is lingua (`lingua-language-detector`), offline, its models compiled into its wheel. It knows the served
languages (`SERVED`: en, nl, it, fi) and a few others (`OTHERS`) so that a message in a language we do not serve is
`"other"` instead of the nearest served one. Its own figures: `python -m language.eval`.
"""

from language.detection import ENDONYMS, NAMES, OTHER, OTHERS, SERVED, Guess, LanguageDetector, preload, ready_detector
from language.steadying import DECISIVE_WORDS, SWITCH_AFTER, Steadied, steady_language

__all__ = [
    "DECISIVE_WORDS",
    "ENDONYMS",
    "NAMES",
    "OTHER",
    "OTHERS",
    "SERVED",
    "SWITCH_AFTER",
    "Steadied",
    "Guess",
    "LanguageDetector",
    "preload",
    "ready_detector",
    "steady_language",
]
