"""Intent classifier for few-shot Chinese: e5 sentence meaning plus character n-grams.

With a few dozen examples an intent, a deep classifier trained from scratch
memorises its examples. A linear model over two complementary views
generalises better: the e5 sentence embedding (from E5SentenceFeaturizer)
recognises paraphrases and mixed English, and character 1–3-grams recognise
short replies, slang and typos (蟹蟹, 木有, 妥) that carry little meaning for a
sentence encoder. DIET still extracts the entities.

The model is stored as plain arrays (n-gram vocabulary, IDF weights,
coefficients) rather than a pickle, so loading a model runs no code.
Follows Rasa 3.6's custom graph component guide
(https://rasa.com/docs/rasa/custom-graph-components/).
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from typing import Any, Dict, List, Optional, Text, Tuple, Type

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from knowledge.bounded import bounded

logger = logging.getLogger(__name__)

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def _ngrams(text: Text, sizes: Tuple[int, ...]) -> Counter:
    """Character n-grams of the text with spaces and punctuation removed; of a
    long message, of the part the sentence embedding reads (knowledge.bounded)."""
    clean = _NOISE.sub("", bounded(text).lower())
    grams: Counter = Counter()
    for size in sizes:
        for start in range(max(len(clean) - size + 1, 0)):
            grams[clean[start : start + size]] += 1
    return grams


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class HybridIntentClassifier(GraphComponent, IntentClassifier):
    """Logistic regression over [e5 sentence embedding ⊕ character n-gram TF-IDF]."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [DenseFeaturizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "ngram_sizes": [1, 2, 3],
            "min_count": 1,
            # Chosen at training time by cross-validation on the training
            # examples: regularisation, and the weight of the n-gram block
            # against the (unit-norm) sentence embedding.
            "C": [3.0, 10.0, 30.0],
            "ngram_weight": [0.3, 0.5, 0.8],
            "folds": 3,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["sklearn", "numpy"]

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        state: Optional[Dict[Text, Any]] = None,
    ) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        state = state or {}
        self._labels: List[Text] = state.get("labels", [])
        self._vocabulary: Dict[Text, int] = state.get("vocabulary", {})
        self._idf = np.asarray(state.get("idf", []), dtype=np.float64)
        self._coef = np.asarray(state.get("coef", []), dtype=np.float64)
        self._intercept = np.asarray(state.get("intercept", []), dtype=np.float64)
        self._weight = float(state.get("ngram_weight", 0.5))

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "HybridIntentClassifier":
        return cls(config, model_storage, resource)

    # -- features -----------------------------------------------------------

    def _sizes(self) -> Tuple[int, ...]:
        return tuple(int(s) for s in self._config["ngram_sizes"])

    def _ngram_block(self, texts: List[Text]) -> np.ndarray:
        """Unit-norm TF-IDF rows; scaled by the chosen weight in `_matrix`."""
        block = np.zeros((len(texts), len(self._vocabulary)))
        for row, text in enumerate(texts):
            for gram, count in _ngrams(text, self._sizes()).items():
                column = self._vocabulary.get(gram)
                if column is not None:
                    block[row, column] = (1.0 + np.log(count)) * self._idf[column]
        norms = np.linalg.norm(block, axis=1, keepdims=True)
        return block / np.maximum(norms, 1e-12)

    @staticmethod
    def _embedding(message: Message) -> Optional[np.ndarray]:
        _, sentence = message.get_dense_features(TEXT)
        if sentence is None:
            return None
        vector = np.asarray(sentence.features, dtype=np.float64).reshape(-1)
        return vector / max(float(np.linalg.norm(vector)), 1e-12)

    def _embeddings(self, messages: List[Message]) -> np.ndarray:
        rows = []
        for message in messages:
            vector = self._embedding(message)
            if vector is None:
                raise ValueError("HybridIntentClassifier needs dense sentence features")
            rows.append(vector)
        return np.vstack(rows)

    def _matrix(self, messages: List[Message]) -> np.ndarray:
        texts = [message.get(TEXT) or "" for message in messages]
        return np.hstack([self._embeddings(messages), self._weight * self._ngram_block(texts)])

    # -- training -----------------------------------------------------------

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.linear_model import LogisticRegression

        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        labels = [m.get(INTENT) for m in examples]
        if len(set(labels)) < 2:
            logger.warning("HybridIntentClassifier: fewer than two intents, not trained")
            return self._resource
        document_frequency: Counter = Counter()
        for message in examples:
            document_frequency.update(set(_ngrams(message.get(TEXT), self._sizes())))
        kept = sorted(g for g, c in document_frequency.items() if c >= self._config["min_count"])
        self._vocabulary = {gram: i for i, gram in enumerate(kept)}
        n = len(examples)
        self._idf = np.array([np.log((1 + n) / (1 + document_frequency[g])) + 1.0 for g in kept])
        self._labels = sorted(set(labels))
        y = np.array([self._labels.index(label) for label in labels])
        embeddings = self._embeddings(examples)
        ngrams = self._ngram_block([m.get(TEXT) for m in examples])
        c, weight = self._choose(embeddings, ngrams, y)
        logger.info("HybridIntentClassifier: C=%s, n-gram weight=%s by cross-validation", c, weight)
        self._weight = weight
        model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
        model.fit(np.hstack([embeddings, weight * ngrams]), y)
        self._coef = model.coef_
        self._intercept = model.intercept_
        self.persist()
        return self._resource

    def _choose(
        self, embeddings: np.ndarray, ngrams: np.ndarray, y: np.ndarray
    ) -> Tuple[float, float]:
        """The (C, n-gram weight) with the best cross-validated accuracy."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_score

        folds = StratifiedKFold(n_splits=int(self._config["folds"]), shuffle=True, random_state=0)
        best = (-1.0, 10.0, 0.5)
        for c in self._config["C"]:
            for weight in self._config["ngram_weight"]:
                model = LogisticRegression(C=float(c), max_iter=5000, class_weight="balanced")
                x = np.hstack([embeddings, float(weight) * ngrams])
                score = float(cross_val_score(model, x, y, cv=folds).mean())
                if score > best[0]:
                    best = (score, float(c), float(weight))
        return best[1], best[2]

    # -- inference ----------------------------------------------------------

    def _probabilities(self, x: np.ndarray) -> np.ndarray:
        logits = x @ self._coef.T + self._intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if not self._labels or self._embedding(message) is None:
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set("intent_ranking", [], add_to_output=True)
                continue
            probabilities = self._probabilities(self._matrix([message]))[0]
            order = np.argsort(-probabilities)
            ranking = [
                {"name": self._labels[i], "confidence": float(probabilities[i])}
                for i in order[:LABEL_RANKING_LENGTH]
            ]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages

    # -- persistence --------------------------------------------------------

    def persist(self) -> None:
        with self._storage.write_to(self._resource) as directory:
            state = {
                "labels": self._labels,
                "vocabulary": self._vocabulary,
                "idf": self._idf.tolist(),
                "coef": self._coef.tolist(),
                "intercept": self._intercept.tolist(),
                "ngram_weight": self._weight,
            }
            (directory / "hybrid_intent.json").write_text(
                json.dumps(state, ensure_ascii=False), encoding="utf-8"
            )

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "HybridIntentClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                state = json.loads((directory / "hybrid_intent.json").read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            logger.warning("HybridIntentClassifier: no trained model found; predicting nothing")
            state = None
        return cls(config, model_storage, resource, state)
