"""The intent classifier keeps English apart: English examples train the regression for English conversations (and
for those whose language is unknown), every example the one for the other languages' conversations and for messages
too short to tell their language."""

from pathlib import Path

import numpy as np
import pytest
import yaml
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.minilm_intents import MiniLMIntentClassifier, example_language

LANGUAGES = Path(__file__).resolve().parents[2] / "nlu" / "languages"
TRAINING = """
version: "3.1"
nlu:
  - intent: greet
    examples: |
      - hello
      - hi there
      - good morning
      - hey
  - intent: goodbye
    examples: |
      - bye
      - goodbye
      - see you later
      - bye bye
  - intent: greet
    metadata:
      language: nl
    examples:
      - text: hallo
      - text: goedemorgen
      - text: hiya
        metadata:
          language: EN
  - intent: deny
    metadata:
      language: nl
    examples: |
      - nee
      - nee hoor
      - nee dank je
      - nee hoor dank je
      - zeker niet doen
"""


def _classifier(tmp_path: Path) -> MiniLMIntentClassifier:
    """A classifier trained on TRAINING, with stand-in embeddings (its character n-grams do the work)."""
    config = {**MiniLMIntentClassifier.get_default_config(), "encoder_dir": "unused"}
    classifier = MiniLMIntentClassifier(config, LocalModelStorage(tmp_path), Resource("intents"))
    classifier._embed = lambda texts: np.zeros((len(texts), 4))
    classifier.train(RasaYAMLReader().reads(TRAINING))
    return classifier


def _intent(classifier: MiniLMIntentClassifier, text: str, metadata: dict | None) -> str:
    """The intent the classifier gives `text` sent with this message metadata."""
    message = Message(data={TEXT: text, "metadata": metadata})
    return classifier.process([message])[0].get("intent")["name"]


def test_an_examples_language_is_its_own_else_its_intent_blocks_else_english():
    languages = {m.get(TEXT): example_language(m) for m in RasaYAMLReader().reads(TRAINING).intent_examples}
    assert (languages["hello"], languages["hallo"], languages["nee"], languages["hiya"]) == ("en", "nl", "nl", "en")


def test_the_other_languages_examples_are_heard_only_in_their_conversations(tmp_path):
    classifier = _classifier(tmp_path)
    assert _intent(classifier, "nee hoor dank je", {"language": "nl"}) == "deny"  # deny has Dutch examples only
    for metadata in ({"language": "en"}, {"customer_ip": "192.0.2.1"}, None, {"language": "de"}):
        assert _intent(classifier, "nee hoor dank je", metadata) != "deny"  # English, unsaid or unlearnt: English
    assert list(classifier.model.english.classes_) == ["goodbye", "greet"]


def test_a_message_too_short_to_tell_its_language_is_heard_in_every_language(tmp_path):
    classifier = _classifier(tmp_path)
    assert _intent(classifier, "nee hoor", {"language": "en"}) == "deny"
    assert _intent(classifier, "nee", None) == "deny"


def test_the_stored_classifier_keeps_both_regressions(tmp_path):
    trained = _classifier(tmp_path)
    loaded = MiniLMIntentClassifier.load(trained.config, trained._storage, trained._resource, None)
    loaded._embed = trained._embed
    assert _intent(loaded, "zeker niet doen", {"language": "nl"}) == "deny"
    assert _intent(loaded, "zeker niet doen", {"language": "en"}) != "deny"


@pytest.mark.parametrize("path", sorted(LANGUAGES.glob("*.yml")), ids=lambda path: path.stem)
def test_every_intent_block_of_a_language_file_says_its_language(path):
    blocks = [item for item in yaml.safe_load(path.read_text())["nlu"] if "intent" in item]
    assert blocks
    assert [b["intent"] for b in blocks if (b.get("metadata") or {}).get("language") != path.stem] == []
