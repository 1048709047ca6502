from __future__ import annotations

import numpy as np

from knowledge.answerability import AnswerabilityModel, Evidence, choose_threshold, fit


def _evidence(rng: np.random.Generator, answerable: bool) -> Evidence:
    good = 1.0 if answerable else 0.0
    return Evidence(
        dense_top=0.86 + 0.04 * good + rng.normal(0, 0.01),
        dense_gap=0.01 + 0.01 * good + rng.normal(0, 0.004),
        coverage=0.3 + 0.4 * good + rng.normal(0, 0.1),
        unknown=0.5 - 0.3 * good + rng.normal(0, 0.1),
        agreement=float(rng.random() < 0.3 + 0.4 * good),
        type_mismatch=float(rng.random() < 0.4 * (1 - good)),
        place_mismatch=float(rng.random() < 0.2 * (1 - good)),
        domain=8.0 + 2.0 * good + rng.normal(0, 1.0),
    )


def test_fit_separates_and_respects_the_refusal_budget() -> None:
    rng = np.random.default_rng(5)
    labels = [True] * 200 + [False] * 60
    evidence = [_evidence(rng, a) for a in labels]
    model = fit(evidence, labels, max_false_refusals=0.05)
    accepted = [model.accepts(model.confidence(e)) for e in evidence]
    refused_answerable = sum(1 for a, ok in zip(labels, accepted, strict=True) if a and not ok)
    caught = sum(1 for a, ok in zip(labels, accepted, strict=True) if not a and not ok)
    assert refused_answerable <= 0.08 * 200  # budget set on held-out folds, so close to 5 %
    assert caught >= 0.8 * 60


def test_round_trip_and_uncalibrated_default() -> None:
    rng = np.random.default_rng(6)
    labels = [True, False] * 30
    model = fit([_evidence(rng, a) for a in labels], labels)
    again = AnswerabilityModel.from_dict(model.to_dict())
    sample = _evidence(rng, True)
    assert again.confidence(sample) == model.confidence(sample)
    blank = AnswerabilityModel.from_dict(None)
    assert not blank.calibrated and blank.accepts(blank.confidence(sample))


def test_threshold_refuses_at_most_the_budget() -> None:
    confidence = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95])
    labels = np.ones(10)
    threshold = choose_threshold(confidence, labels, 0.2)
    assert (confidence < threshold).sum() == 2
