"""The trained bot understands Dutch, Italian and Finnish customers where it matters to the dialogue (`make model`)."""

import asyncio
from pathlib import Path

import pytest
import yaml

from bot.eval.nlu import parse, production_model

SAID = {  # what a customer types after "Did this answer your question?" or inside the case form
    "helpful": ["yes", "ja", "jazeker", "sì", "esatto", "kyllä", "joo"],
    "not_helpful": ["no", "nee", "helaas niet", "purtroppo no", "ei", "valitettavasti ei"],
    "cancel": ["cancel", "annuleren", "laat maar", "annulla", "lascia stare", "peruuta", "lopeta"],
}
DESCRIPTIONS = [  # answers to the case form's "Please describe the problem"
    "my cam shows E-402 every night",
    "mijn camera geeft elke nacht foutcode E-402",
    "de lamp gaat steeds uit en de app vindt hem niet meer",
    "la telecamera mostra l'errore E-402 ogni notte",
    "la presa si spegne da sola più volte al giorno",
    "kamera näyttää virheen E-402 joka yö",
    "hub katkaisee yhteyden monta kertaa päivässä",
]
DOMAIN = Path(__file__).resolve().parents[1] / "domain.yml"


@pytest.fixture(scope="module")
def understood() -> dict[str, str]:
    """The intent the production model gives each text of SAID and DESCRIPTIONS."""
    texts = [text for said in SAID.values() for text in said] + DESCRIPTIONS
    results = asyncio.run(parse(production_model(), texts))
    return {text: result["intent"]["name"] for text, result in zip(texts, results, strict=True)}


@pytest.mark.parametrize(("intent", "text"), [(intent, text) for intent, said in SAID.items() for text in said])
def test_yes_no_and_stop_mean_the_same_in_every_language(understood, intent, text):
    assert understood[text] == intent


@pytest.mark.parametrize("description", DESCRIPTIONS)
def test_a_problem_described_in_any_language_fills_the_case_form(understood, description):
    mapping = yaml.safe_load(DOMAIN.read_text())["slots"]["problem_description"]["mappings"][0]
    assert understood[description] not in mapping["not_intent"]
