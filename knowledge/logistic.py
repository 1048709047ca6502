"""A small logistic model, fitted with numpy: the learner behind reranking and answerability.

Both learn from a few hundred labelled questions, so the model is kept simple
on purpose: standardised features, L2 regularisation, classes balanced so the
rarer label is not ignored, and plain gradient descent (no extra dependency).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class LinearModel:
    features: tuple[str, ...]
    weights: list[float]
    bias: float
    mean: list[float]
    scale: list[float]

    def decision(self, x: np.ndarray) -> np.ndarray:
        """Logits for rows of features (or one row)."""
        z = (np.asarray(x, dtype=np.float64) - np.array(self.mean)) / np.array(self.scale)
        return np.asarray(z @ np.array(self.weights) + self.bias)

    def probability(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.clip(self.decision(x), -40.0, 40.0)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "weights": self.weights,
            "bias": self.bias,
            "mean": self.mean,
            "scale": self.scale,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any], known: Sequence[str]) -> LinearModel | None:
        """None when the stored model uses features this code no longer computes."""
        features = tuple(raw.get("features", ()))
        if not features or not set(features) <= set(known):
            return None
        return cls(
            features=features,
            weights=[float(w) for w in raw["weights"]],
            bias=float(raw["bias"]),
            mean=[float(m) for m in raw["mean"]],
            scale=[float(s) for s in raw["scale"]],
        )


def fit_logistic(
    x: np.ndarray, y: np.ndarray, features: Sequence[str], l2: float = 1.0, steps: int = 3000
) -> LinearModel:
    """L2-regularised logistic regression with balanced classes."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    z = (x - mean) / scale
    n, d = z.shape
    positive = max(float(y.sum()), 1.0)
    negative = max(n - float(y.sum()), 1.0)
    sample_weight = np.where(y == 1, n / (2 * positive), n / (2 * negative))
    w = np.zeros(d)
    b = 0.0
    rate = 0.5
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(z @ w + b)))
        error = (p - y) * sample_weight
        w -= rate * (z.T @ error / n + l2 * w / n)
        b -= rate * float(error.mean())
    return LinearModel(tuple(features), w.tolist(), float(b), mean.tolist(), scale.tolist())


def sigmoid(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(value, 40.0), -40.0)))
