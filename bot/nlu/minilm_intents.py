"""An intent classifier for Rasa: MiniLM sentence embeddings (ONNX Runtime) and a logistic regression.

DIET learns its text features from our few hundred examples alone and is overconfident on everything it
was not trained on; a pretrained sentence encoder already knows that "my camera is offline" is a
question, not a request to check a case. The encoder is the packaged all-MiniLM-L6-v2 exported once to
ONNX (`scripts/export_encoder.py`, run by `make model`), so this environment needs no torch.
"""

from pathlib import Path
from typing import Any

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression

from encoder import OnnxSentenceEncoder

RANKING_LENGTH = 10


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class MiniLMIntentClassifier(GraphComponent, IntentClassifier):
    """Classify intents from sentence embeddings; ranks every intent with a calibrated probability."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """`encoder_dir`: the exported encoder; `C`: inverse regularisation of the logistic regression."""
        return {"encoder_dir": "models/encoder", "C": 8.0}

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
        features = self._embed([m.get(TEXT) for m in examples])
        labels = [m.get(INTENT) for m in examples]
        self.model = LogisticRegression(C=self.config["C"], max_iter=3000, class_weight="balanced")
        self.model.fit(features, labels)
        with self._storage.write_to(self._resource) as folder:
            joblib.dump(self.model, Path(folder) / "intents.joblib")
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        """Set the intent and the intent ranking of each message."""
        texts = [m.get(TEXT) or "" for m in messages]
        if self.model is None or not any(texts):
            return messages
        probabilities = self.model.predict_proba(self._embed([t or " " for t in texts]))
        for message, row in zip(messages, probabilities, strict=True):
            order = np.argsort(row)[::-1][:RANKING_LENGTH]
            ranking = [{"name": str(self.model.classes_[i]), "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
