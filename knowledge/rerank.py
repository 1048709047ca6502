"""Rerank the fused candidates with a model learned from the dev set.

Reciprocal rank fusion only sees ranks. A second look at the best candidates
with more evidence — how much of the question each passage covers, whether its
headings name the topic, which document the question points at, how the two
rankers scored it — orders them better. The weights are learned (logistic,
one row per candidate, relevant or not) on the dev set at build time, like the
answerability threshold; evaluation scores it by cross-validation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from knowledge.bm25 import BM25Index
from knowledge.logistic import LinearModel, fit_logistic
from knowledge.passages import Passage
from knowledge.query import AnalyzedQuery
from knowledge.structure import PREAMBLE_SECTION

RERANK_DEPTH = 30
FEATURES = (
    "fused",
    "bm25",
    "dense",
    "dense_gap",
    "coverage",
    "added_coverage",
    "heading_coverage",
    "named_document",
    "length",
    "preamble",
)


@dataclass(frozen=True)
class Candidates:
    """What the first stage knows about each candidate passage."""

    order: list[int]  # by fused score, best first
    fused: dict[int, float]
    dense: dict[int, float]
    bm25: dict[int, float]
    named: dict[str, float]  # doc_id → how strongly the question names it


def candidate_features(
    query: AnalyzedQuery,
    candidates: Candidates,
    passages: Sequence[Passage],
    bm25_index: BM25Index,
    heading_tokens: Callable[[int], set[str]],
) -> np.ndarray:
    """One row of FEATURES per candidate in `candidates.order[:RERANK_DEPTH]`."""
    head = candidates.order[:RERANK_DEPTH]
    if not head:
        return np.zeros((0, len(FEATURES)))
    best_fused = max(candidates.fused[i] for i in head)
    best_bm25 = max(candidates.bm25.values(), default=0.0) or 1.0
    dense_values = list(candidates.dense.values())
    dense_top = dense_values[0] if dense_values else 0.0
    dense_floor = dense_values[-1] if dense_values else 0.0
    typed = query.typed
    added = [t for t, w in query.weights.items() if w < 1.0]
    typed_cover = bm25_index.coverage_per_row(typed, head)
    added_cover = bm25_index.coverage_per_row(added, head)
    strongest = max(candidates.named.values(), default=0.0) or 1.0
    rows = []
    for position, i in enumerate(head):
        passage = passages[i]
        dense = candidates.dense.get(i, dense_floor)
        titled = heading_tokens(i)
        rows.append(
            [
                candidates.fused[i] / best_fused,
                candidates.bm25.get(i, 0.0) / best_bm25,
                dense,
                dense - dense_top,
                typed_cover[position],
                added_cover[position],
                sum(1 for t in typed if t in titled) / len(typed) if typed else 0.0,
                candidates.named.get(passage.doc_id, 0.0) / strongest,
                math.log1p(len(passage.text)),
                float(passage.section == PREAMBLE_SECTION),
            ]
        )
    return np.asarray(rows, dtype=np.float64)


@dataclass
class Reranker:
    model: LinearModel | None = None

    @property
    def fitted(self) -> bool:
        return self.model is not None

    def scores(self, features: np.ndarray) -> np.ndarray:
        """Relevance probability of each candidate row."""
        if self.model is None or not len(features):
            return np.zeros(len(features))
        return np.asarray(self.model.probability(features))

    def to_dict(self) -> dict[str, Any]:
        return self.model.to_dict() if self.model else {}

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> Reranker:
        return cls(LinearModel.from_dict(raw, FEATURES) if raw else None)


def fit_reranker(samples: Sequence[tuple[np.ndarray, np.ndarray]]) -> Reranker:
    """Fit on (candidate features, relevant flags) of labelled questions.

    Questions with no relevant passage among the candidates teach nothing
    about ordering and are skipped.
    """
    usable = [(x, y) for x, y in samples if len(y) and y.any() and not y.all()]
    if len(usable) < 10:
        return Reranker()
    x = np.vstack([x for x, _ in usable])
    y = np.concatenate([y for _, y in usable]).astype(np.float64)
    return Reranker(fit_logistic(x, y, FEATURES))
