"""The trained bot understands Dutch, Italian and Finnish customers where it matters to the dialogue (`make model`)."""

import asyncio
from pathlib import Path

import pytest
import yaml

from bot.eval.nlu import parse, production_model

SAID = {  # what a customer types after "Did this answer your question?" or inside the case form, by language
    "helpful": {"en": ["yes"], "nl": ["ja", "jazeker"], "it": ["sì", "esatto"], "fi": ["kyllä", "joo"]},
    "not_helpful": {
        "en": ["no"], "nl": ["nee", "helaas niet"], "it": ["purtroppo no"], "fi": ["ei", "valitettavasti ei"],
    },
    "cancel": {
        "en": ["cancel"], "nl": ["annuleren", "laat maar"], "it": ["annulla", "lascia stare"],
        "fi": ["peruuta", "lopeta"],
    },
}  # fmt: skip
DESCRIPTIONS = {  # answers to the case form's "Please describe the problem"
    "my cam shows E-402 every night": "en",
    "mijn camera geeft elke nacht foutcode E-402": "nl",
    "de lamp gaat steeds uit en de app vindt hem niet meer": "nl",
    "la telecamera mostra l'errore E-402 ogni notte": "it",
    "la presa si spegne da sola più volte al giorno": "it",
    "kamera näyttää virheen E-402 joka yö": "fi",
    "hub katkaisee yhteyden monta kertaa päivässä": "fi",
}
# Each is sent in a conversation speaking its language (message metadata, as the app sends it): by then the customer
# has asked a question or described the problem, and a message of three words or more tells the language.
SPOKEN = {text: language for said in SAID.values() for language, texts in said.items() for text in texts}
DOMAIN = Path(__file__).resolve().parents[1] / "domain.yml"


@pytest.fixture(scope="module")
def understood() -> dict[str, str]:
    """The intent the production model gives each text of SAID and DESCRIPTIONS, sent in its language."""
    spoken = {**SPOKEN, **DESCRIPTIONS}
    results = asyncio.run(parse(production_model(), list(spoken), list(spoken.values())))
    texts = list(spoken)
    return {text: result["intent"]["name"] for text, result in zip(texts, results, strict=True)}


@pytest.mark.parametrize(
    ("intent", "text"), [(intent, text) for intent, said in SAID.items() for texts in said.values() for text in texts]
)
def test_yes_no_and_stop_mean_the_same_in_every_language(understood, intent, text):
    assert understood[text] == intent


@pytest.mark.parametrize("description", DESCRIPTIONS)
def test_a_problem_described_in_any_language_fills_the_case_form(understood, description):
    mapping = yaml.safe_load(DOMAIN.read_text())["slots"]["problem_description"]["mappings"][0]
    assert understood[description] not in mapping["not_intent"]
