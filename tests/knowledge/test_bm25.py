"""BM25 against a brute-force oracle on synthetic data."""

from __future__ import annotations

import math
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from knowledge.bm25 import BM25Index


def _oracle(
    documents: list[list[str]], query: dict[str, float], k1: float, b: float
) -> list[float]:
    """Okapi BM25 written out term by term, straight from the formula."""
    n = len(documents)
    avg = sum(map(len, documents)) / n
    df = Counter(t for d in documents for t in set(d))
    scores = []
    for document in documents:
        tf = Counter(document)
        score = 0.0
        for term, weight in query.items():
            if term not in df:
                continue
            idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
            f = tf[term]
            score += weight * idf * f * (k1 + 1) / (f + k1 * (1 - b + b * len(document) / avg))
        scores.append(score)
    return scores


@pytest.fixture
def synthetic() -> list[list[str]]:
    rng = random.Random(7)
    vocabulary = [f"w{i}" for i in range(60)]
    return [rng.choices(vocabulary, k=rng.randint(3, 40)) for _ in range(300)]


def test_scores_match_the_formula(synthetic: list[list[str]]) -> None:
    index = BM25Index.build(synthetic, k1=1.2, b=0.75)
    query = {"w3": 1.0, "w17": 0.6, "w59": 2.0, "absent": 1.0}
    np.testing.assert_allclose(index.scores(query), _oracle(synthetic, query, 1.2, 0.75), rtol=1e-5)


def test_top_k_is_the_oracle_ranking(synthetic: list[list[str]]) -> None:
    index = BM25Index.build(synthetic)
    query = {"w1": 1.0, "w2": 1.0}
    oracle = np.asarray(_oracle(synthetic, query, 1.2, 0.75))
    ids, scores = index.top(query, 10)
    np.testing.assert_allclose(scores, np.sort(oracle)[::-1][:10], rtol=1e-5)
    assert all(oracle[i] == pytest.approx(s, rel=1e-5) for i, s in zip(ids, scores, strict=True))


def test_no_match_gives_nothing(synthetic: list[list[str]]) -> None:
    index = BM25Index.build(synthetic)
    ids, scores = index.top({"absent": 1.0}, 5)
    assert ids.size == 0 and scores.size == 0


def test_coverage_is_idf_weighted(synthetic: list[list[str]]) -> None:
    index = BM25Index.build([["a", "b"], ["a", "c"], ["a", "d"]])
    full, partial = index.coverage_per_row(["a", "b"], [0, 1])
    assert full == pytest.approx(1.0)
    assert partial < 0.5  # b is rarer than a, so it weighs more
    assert index.coverage_per_row(["zzz"], [0])[0] == 0.0
    # a word the corpus never uses counts as missing, weighted like the rarest word
    assert index.coverage_per_row(["a", "zzz"], [0])[0] < 0.5


def test_save_and_load_round_trip(synthetic: list[list[str]], tmp_path: Path) -> None:
    index = BM25Index.build(synthetic)
    index.save(tmp_path / "bm25.npz")
    loaded = BM25Index.load(tmp_path / "bm25.npz")
    query = {"w5": 1.0, "w6": 1.0}
    np.testing.assert_allclose(loaded.scores(query), index.scores(query))
    assert loaded.vocabulary == index.vocabulary
