"""An intent classifier for Rasa: MiniLM sentence embeddings (ONNX Runtime) and a logistic regression.

DIET learns its text features from our few hundred examples alone and is overconfident on everything it
was not trained on; a pretrained sentence encoder already knows that "my camera is offline" is a
question, not a request to check a case. The encoder is the packaged all-MiniLM-L6-v2, fine-tuned on
these intents and exported to ONNX by `encoder/finetune.py` (run by `make model` in the app venv), so this
environment needs no torch. TF-IDF character n-grams, joined to the embeddings, help with very short
messages ("hiya", "ta", "nope"), whose embeddings say little; so do the lookup tables of `nlu/lexicon.yml`
(greetings, farewells and thanks in many languages, which the English encoder does not know): one feature
per table, set when a message of at most three words contains one of its phrases. `bot/eval/cv.py` chose C,
the n-gram and lexicon weights and the fallback thresholds.

Two regressions share the encoder (issue #24): one learns the English examples only, the other every example,
Dutch, Italian and Finnish too: learnt in one regression, the languages' short dialogue phrases pulled a few
English questions towards dialogue intents (docs/design-notes.md has the figures). A message goes to the
multilingual regression when the app says its conversation speaks a language it learned (the Rasa message
metadata `language`, `handoff/flows.py`) or when it has fewer than three words, else to the English one: English,
no language, or one it has no examples of. A message that short says too little about its language for the app to
tell ("hoi", "ok", "grazie": the app says "en" until a message of three words or more tells it), and the
multilingual regression knows every language's short replies, English's included. A training example's language
is the `language` of its metadata, its own or its intent block's (`nlu/languages/<language>.yml` sets it per
intent); an example without one is English.
"""

import re
import unicodedata
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy.sparse as sp
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, METADATA, METADATA_EXAMPLE, METADATA_INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from encoder import OnnxSentenceEncoder

RANKING_LENGTH = 10
LEXICON_MAX_WORDS = 3  # lexicon features only for short messages: in a question, "hi" or "thanks" says little
ENGLISH = "en"
LANGUAGE = "language"  # the metadata key: a training example's language, or the one its conversation speaks
SHORT_WORDS = 3  # a message of fewer words goes to the multilingual regression (the app's language detection skips it)
WORD = re.compile(r"[^\W\d_]+")  # words as the app's language detection counts them (language/detection.py)


def _normalise(text: str) -> str:
    """Lower case, accents removed, words separated by single spaces and padded by one on each side."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " " + " ".join(re.findall(r"[\w'-]+", plain)) + " "


class IntentModel:
    """A logistic regression over sentence embeddings, weighted TF-IDF character 2–4-grams and lexicon hits."""

    def __init__(
        self, C: float, char_weight: float, lexicons: dict[str, list[str]] | None = None, lexicon_weight: float = 0.0
    ) -> None:
        self.char_weight, self.lexicon_weight = char_weight, lexicon_weight
        self.lexicons = [[_normalise(phrase) for phrase in phrases] for phrases in (lexicons or {}).values()]
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
        self.regression = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")

    @property
    def classes_(self) -> np.ndarray:
        """The intents, in the column order of `predict_proba`."""
        return self.regression.classes_

    def _lexicon_hits(self, texts: list[str]) -> np.ndarray:
        """One column per lexicon: the weight where a short text contains one of its phrases, else 0."""
        hits = np.zeros((len(texts), len(self.lexicons)))
        for row, text in enumerate(map(_normalise, texts)):
            if len(text.split()) <= LEXICON_MAX_WORDS:
                hits[row] = [any(phrase in text for phrase in phrases) for phrases in self.lexicons]
        return self.lexicon_weight * hits

    def _features(self, embeddings: np.ndarray, texts: list[str]) -> sp.csr_matrix:
        """Embeddings, weighted character n-grams and lexicon hits side by side."""
        parts = [sp.csr_matrix(embeddings), self.char_weight * self.chars.transform(texts)]
        return sp.hstack([*parts, sp.csr_matrix(self._lexicon_hits(texts))]).tocsr()

    def fit(self, embeddings: np.ndarray, texts: list[str], labels: list[str]) -> "IntentModel":
        """Learn the n-gram vocabulary and the regression."""
        self.chars.fit(texts)
        self.regression.fit(self._features(embeddings, texts), labels)
        return self

    def predict_proba(self, embeddings: np.ndarray, texts: list[str]) -> np.ndarray:
        """One row of intent probabilities per text."""
        return self.regression.predict_proba(self._features(embeddings, texts))


class LanguageModels:
    """The English regression and, when the training data had other languages, the multilingual one."""

    def __init__(self, english: IntentModel, multilingual: IntentModel | None, languages: frozenset[str]) -> None:
        self.english, self.multilingual, self.languages = english, multilingual, languages

    def for_message(self, text: str, language: str | None) -> IntentModel:
        """The regression for a message `text` in a conversation speaking `language`."""
        if self.multilingual is not None and (language in self.languages or len(WORD.findall(text)) < SHORT_WORDS):
            return self.multilingual
        return self.english


def _language(metadata: Any) -> str | None:
    """The `language` of a metadata mapping, lower case, if it has one."""
    if not isinstance(metadata, dict) or not metadata.get(LANGUAGE):
        return None
    return str(metadata[LANGUAGE]).strip().lower() or None


def example_language(message: Message) -> str:
    """A training example's language: its own metadata's, else its intent block's, else English."""
    metadata = message.get(METADATA)
    metadata = metadata if isinstance(metadata, dict) else {}
    return _language(metadata.get(METADATA_EXAMPLE)) or _language(metadata.get(METADATA_INTENT)) or ENGLISH


def spoken_language(message: Message) -> str | None:
    """The language the app says a message's conversation speaks (its Rasa message metadata), if it says."""
    return _language(message.get(METADATA))


def lookup_tables(training_data: TrainingData) -> dict[str, list[str]]:
    """The lookup tables of the training data (nlu/lexicon.yml), by name."""
    return {table["name"]: list(table["elements"]) for table in training_data.lookup_tables}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class MiniLMIntentClassifier(GraphComponent, IntentClassifier):
    """Classify intents from sentence embeddings; ranks every intent with a calibrated probability."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """`encoder_dir`: the tuned encoder; `C`: inverse regularisation; n-gram and lexicon feature weights."""
        return {"encoder_dir": "models/encoder-intents", "C": 128.0, "char_weight": 1.0, "lexicon_weight": 1.0}

    def __init__(self, config: dict[str, Any], storage: ModelStorage, resource: Resource, model=None) -> None:
        self.config, self._storage, self._resource, self.model = config, storage, resource, model
        self._encoder = None

    @classmethod
    def create(cls, config, model_storage, resource, execution_context: ExecutionContext) -> "MiniLMIntentClassifier":
        """A new, untrained classifier."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config, model_storage, resource, execution_context, **kwargs) -> "MiniLMIntentClassifier":
        """The trained classifier from the model archive."""
        with model_storage.read_from(resource) as folder:
            return cls(config, model_storage, resource, joblib.load(Path(folder) / "intents.joblib"))

    def _embed(self, texts: list[str]) -> np.ndarray:
        """Sentence embeddings, loading the encoder on first use."""
        if self._encoder is None:
            self._encoder = OnnxSentenceEncoder(self.config["encoder_dir"], threads=1)
        return self._encoder.encode(texts)

    def _regression(self, lexicons: dict[str, list[str]], embeddings: np.ndarray, examples: list) -> IntentModel:
        """A logistic regression fitted on these examples (their rows of `embeddings`)."""
        texts = [m.get(TEXT) for m in examples]
        model = IntentModel(self.config["C"], self.config["char_weight"], lexicons, self.config["lexicon_weight"])
        return model.fit(embeddings, texts, [m.get(INTENT) for m in examples])

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the English regression on the English examples, the multilingual one on every example; store them."""
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        embeddings = self._embed([m.get(TEXT) for m in examples])
        languages = [example_language(m) for m in examples]
        english = [row for row, language in enumerate(languages) if language == ENGLISH]
        lexicons = lookup_tables(training_data)
        others = frozenset(languages) - {ENGLISH}
        self.model = LanguageModels(
            self._regression(lexicons, embeddings[english], [examples[row] for row in english]),
            self._regression(lexicons, embeddings, examples) if others else None,
            others,
        )
        with self._storage.write_to(self._resource) as folder:
            joblib.dump(self.model, Path(folder) / "intents.joblib")
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        """Set the intent and the intent ranking of each message, by the regression for its conversation's language."""
        texts = [m.get(TEXT) or "" for m in messages]
        if self.model is None or not any(texts):
            return messages
        texts = [t or " " for t in texts]
        embeddings = self._embed(texts)
        for message, embedding, text in zip(messages, embeddings, texts, strict=True):
            model = self.model.for_message(text, spoken_language(message))
            row = model.predict_proba(embedding[np.newaxis], [text])[0]
            order = np.argsort(row)[::-1][:RANKING_LENGTH]
            ranking = [{"name": str(model.classes_[i]), "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
