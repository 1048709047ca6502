"""Is the best passage good enough to answer from?

The bot must say "the documents do not cover this" rather than guess, so every
search carries an `answerable` flag. It comes from a small logistic model over
evidence that does not depend on any one question's wording:

* `dense_top`     cosine similarity of the best passage by meaning;
* `dense_gap`     how far the best stands above the next nine (a clear winner
                  versus a flat field of half-related passages);
* `coverage`      the share of the question's informative words (weighted by
                  IDF) found in the best passages;
* `unknown`       the share of the question's words that occur nowhere in the
                  corpus (a question about 年费 when no document mentions 年费);
* `agreement`     whether the dense and BM25 rankings agree on the best passage;
* `type_mismatch` the question asks for a kind of fact (a phone number, a fee,
                  a time limit, an article number) that the best passages lack;
* `place_mismatch` the question names a place (北京, 江苏) none of the best
                  passages is about;
* `domain`        how much the question's most telling word belongs to this
                  field rather than to Chinese at large (维权 vs 办理).

The weights and the threshold are fitted on the dev set when the index is
built (`fit`), with the threshold set so that at most `max_false_refusals` of
answerable questions are refused; the fit is stored in the index manifest.
With no dev set the model is uncalibrated and accepts any match, and says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from knowledge.answer_type import holds
from knowledge.bm25 import BM25Index
from knowledge.logistic import LinearModel, fit_logistic
from knowledge.passages import Passage
from knowledge.places import place_matches
from knowledge.query import AnalyzedQuery

FEATURES = (
    "dense_top",
    "dense_gap",
    "coverage",
    "unknown",
    "agreement",
    "type_mismatch",
    "place_mismatch",
    "domain",
)
TOP = 3  # passages whose content counts as "what we would answer with"
CALIBRATION_FOLDS = 5


@dataclass(frozen=True)
class Evidence:
    dense_top: float
    dense_gap: float
    coverage: float
    unknown: float
    agreement: float
    type_mismatch: float
    place_mismatch: float
    domain: float

    def vector(self, features: Sequence[str] = FEATURES) -> np.ndarray:
        return np.array([getattr(self, name) for name in features], dtype=np.float64)

    @classmethod
    def collect(
        cls,
        query: AnalyzedQuery,
        order: Sequence[int],
        dense: dict[int, float],
        bm25: dict[int, float],
        bm25_index: BM25Index,
        passages: Sequence[Passage],
    ) -> Evidence:
        dense_scores = list(dense.values())
        dense_top = dense_scores[0] if dense_scores else 0.0
        rest = dense_scores[1:10]
        dense_gap = dense_top - (sum(rest) / len(rest)) if rest else 0.0
        unknown = query.unknown_share
        top = list(order[:TOP])
        coverage = float(bm25_index.coverage_per_row(query.typed, top).max(initial=0.0))
        top_dense = next(iter(dense), None)
        top_bm25 = next(iter(bm25), None)
        agreement = 1.0 if top_dense is not None and top_dense == top_bm25 else 0.0
        texts = [_about(passages[i]) for i in top]
        type_mismatch = any(
            not any(holds(kind, text, query.cleaned) for text in texts) for kind in query.asks
        )
        place_mismatch = bool(query.places) and not any(
            place_matches(place, text) for place in query.places for text in texts
        )
        return cls(
            dense_top,
            dense_gap,
            coverage,
            unknown,
            agreement,
            float(type_mismatch),
            float(place_mismatch),
            min(query.domain, 14.0),
        )


def _about(passage: Passage) -> str:
    """Everything that says what a passage is about, for fact and place checks."""
    return " ".join((passage.title, passage.issuer, passage.region, passage.text))


@dataclass
class AnswerabilityModel:
    """A logistic score over Evidence and the threshold that turns it into a yes/no.

    Uncalibrated (no dev set at build time), it accepts any match.
    """

    model: LinearModel | None = None
    threshold: float = 0.5

    @property
    def calibrated(self) -> bool:
        return self.model is not None

    @property
    def features(self) -> tuple[str, ...]:
        return self.model.features if self.model else FEATURES

    def confidence(self, evidence: Evidence) -> float:
        """Probability-like score in [0, 1] that the passages answer the question."""
        return self.confidence_of(evidence.vector(self.features))

    def confidence_of(self, vector: np.ndarray) -> float:
        return float(self.model.probability(vector)) if self.model else 1.0

    def accepts(self, confidence: float) -> bool:
        return self.model is None or confidence >= self.threshold

    def to_dict(self) -> dict[str, Any]:
        if self.model is None:
            return {"calibrated": False}
        return {"calibrated": True, "threshold": self.threshold, **self.model.to_dict()}

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> AnswerabilityModel:
        if not raw or not raw.get("calibrated"):
            return cls()
        model = LinearModel.from_dict(raw, FEATURES)
        # Fitted on features this code no longer computes: refuse nothing rather than misread.
        return cls(model, float(raw["threshold"])) if model else cls()


def choose_threshold(
    confidence: np.ndarray, answerable: np.ndarray, max_false_refusals: float
) -> float:
    """The highest threshold that refuses at most `max_false_refusals` of answerable questions."""
    positives = np.sort(confidence[answerable == 1])
    if positives.size == 0:
        return 0.5
    allowed = math.floor(max_false_refusals * positives.size)
    # Refusing exactly `allowed` answerable questions: put the threshold just
    # above the allowed-th lowest positive, i.e. at the next one.
    return float(positives[allowed]) - 1e-9


def _out_of_fold_confidence(x: np.ndarray, y: np.ndarray, features: Sequence[str]) -> np.ndarray:
    """Each question's confidence from a model that did not see it."""
    n = len(y)
    folds = np.arange(n) % CALIBRATION_FOLDS
    out = np.full(n, np.nan)
    for fold in range(CALIBRATION_FOLDS):
        held = folds == fold
        if len(set(y[~held])) < 2:
            continue
        model = fit_logistic(x[~held], y[~held], features)
        out[held] = model.probability(x[held])
    return out


def fit(
    evidence: Sequence[Evidence],
    answerable: Sequence[bool],
    max_false_refusals: float = 0.03,
    features: Sequence[str] = FEATURES,
) -> AnswerabilityModel:
    """Fit the model on labelled questions and set its threshold.

    The threshold is read off out-of-fold confidences: scores of questions a
    model was trained on flatter it, and a threshold set on them refuses more
    unseen questions than intended.
    """
    x = np.stack([e.vector(features) for e in evidence])
    y = np.array(answerable, dtype=np.float64)
    model = fit_logistic(x, y, features)
    oof = _out_of_fold_confidence(x, y, features)
    seen = ~np.isnan(oof)
    if seen.sum() < len(y) // 2:  # too few questions to cross-validate
        oof = model.probability(x)
        seen = np.ones(len(y), dtype=bool)
    return AnswerabilityModel(model, choose_threshold(oof[seen], y[seen], max_false_refusals))
