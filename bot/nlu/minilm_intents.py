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
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from encoder import OnnxSentenceEncoder

RANKING_LENGTH = 10
LEXICON_MAX_WORDS = 3  # lexicon features only for short messages: in a question, "hi" or "thanks" says little


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

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the logistic regression on every intent example and store it."""
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        texts = [m.get(TEXT) for m in examples]
        lexicons = lookup_tables(training_data)
        self.model = IntentModel(self.config["C"], self.config["char_weight"], lexicons, self.config["lexicon_weight"])
        self.model.fit(self._embed(texts), texts, [m.get(INTENT) for m in examples])
        with self._storage.write_to(self._resource) as folder:
            joblib.dump(self.model, Path(folder) / "intents.joblib")
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        """Set the intent and the intent ranking of each message."""
        texts = [m.get(TEXT) or "" for m in messages]
        if self.model is None or not any(texts):
            return messages
        texts = [t or " " for t in texts]
        probabilities = self.model.predict_proba(self._embed(texts), texts)
        for message, row in zip(messages, probabilities, strict=True):
            order = np.argsort(row)[::-1][:RANKING_LENGTH]
            ranking = [{"name": str(self.model.classes_[i]), "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
