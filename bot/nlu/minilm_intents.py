"""An intent classifier for Rasa: MiniLM sentence embeddings (ONNX Runtime) and a logistic regression.

DIET learns its text features from our few hundred examples alone and is overconfident on everything it
was not trained on; a pretrained sentence encoder already knows that "my camera is offline" is a
question, not a request to check a case. The encoder is the packaged all-MiniLM-L6-v2 exported once to
ONNX (`scripts/export_encoder.py`, run by `make model`), so this environment needs no torch. TF-IDF
character n-grams, joined to the embeddings, help with very short messages ("hiya", "ta", "nope"), whose
embeddings say little. `bot/eval/cv.py` chose C, the n-gram weight and the fallback thresholds.
"""

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


class IntentModel:
    """A logistic regression over sentence embeddings joined by weighted TF-IDF character 2–4-grams."""

    def __init__(self, C: float, char_weight: float) -> None:
        self.char_weight = char_weight
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
        self.regression = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")

    @property
    def classes_(self) -> np.ndarray:
        """The intents, in the column order of `predict_proba`."""
        return self.regression.classes_

    def _features(self, embeddings: np.ndarray, texts: list[str]) -> sp.csr_matrix:
        """Embeddings and weighted character n-grams side by side."""
        return sp.hstack([sp.csr_matrix(embeddings), self.char_weight * self.chars.transform(texts)]).tocsr()

    def fit(self, embeddings: np.ndarray, texts: list[str], labels: list[str]) -> "IntentModel":
        """Learn the n-gram vocabulary and the regression."""
        self.chars.fit(texts)
        self.regression.fit(self._features(embeddings, texts), labels)
        return self

    def predict_proba(self, embeddings: np.ndarray, texts: list[str]) -> np.ndarray:
        """One row of intent probabilities per text."""
        return self.regression.predict_proba(self._features(embeddings, texts))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class MiniLMIntentClassifier(GraphComponent, IntentClassifier):
    """Classify intents from sentence embeddings; ranks every intent with a calibrated probability."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """`encoder_dir`: the exported encoder; `C`: inverse regularisation; `char_weight`: n-gram weight."""
        return {"encoder_dir": "models/encoder", "C": 128.0, "char_weight": 0.75}

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
        self.model = IntentModel(self.config["C"], self.config["char_weight"])
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
