"""The held-out intent sets (bot/eval/intents_<language>.jsonl) and the development sets (bot/eval/dev/) are never
trained on."""

import re
import unicodedata
from pathlib import Path

import pytest

from bot.eval.languages import DEV_SETS, LANGUAGES, read_set
from encoder.finetune import read_examples

NLU = Path(__file__).resolve().parents[2] / "nlu"
# English is not checked: its set shares "is this a real person" with nlu/nlu.yml, which is older than the set;
# dropping the example would move the English baseline the other languages are measured against.


def _normalised(text: str) -> str:
    """Lower case, accents and punctuation removed: "Grazie per l'aiuto!" and "grazie per l aiuto" are one text."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    return " ".join(re.findall(r"\w+", plain))


def _trained() -> set[str]:
    """Every training example of every language, normalised."""
    texts, _ = read_examples(sorted(NLU.rglob("*.yml")))
    return {_normalised(text) for text in texts}


@pytest.mark.parametrize("language", [language for language in LANGUAGES if language != "en"])
def test_no_held_out_message_is_a_training_example(language):
    trained = _trained()
    assert [item["text"] for item in read_set(language) if _normalised(item["text"]) in trained] == []


@pytest.mark.parametrize("path", sorted(DEV_SETS.glob("intents_*.jsonl")), ids=lambda path: path.stem)
def test_no_development_message_is_a_training_example_or_held_out(path):
    language = path.stem.removeprefix("intents_")
    kept_apart = _trained() | {_normalised(item["text"]) for item in read_set(language)}
    assert [item["text"] for item in read_set(language, DEV_SETS) if _normalised(item["text"]) in kept_apart] == []
