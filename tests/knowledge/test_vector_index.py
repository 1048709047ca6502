"""Dense index: exact search equals brute force; HNSW finds nearly all of it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from knowledge import vector_index
from knowledge.errors import IndexCorruptError
from knowledge.vector_index import VectorIndexType


def _unit(rng: np.random.Generator, n: int, dim: int = 32) -> np.ndarray:
    x = rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_choose_type_by_size() -> None:
    assert vector_index.choose_type(10_000, 50_000) is VectorIndexType.FLAT
    assert vector_index.choose_type(60_000, 50_000) is VectorIndexType.HNSW


def test_flat_search_is_brute_force() -> None:
    rng = np.random.default_rng(1)
    data, queries = _unit(rng, 500), _unit(rng, 20)
    index = vector_index.build_vector_index(data, VectorIndexType.FLAT)
    scores, ids = vector_index.search(index, queries, 5)
    truth = np.argsort(-(queries @ data.T), axis=1)[:, :5]
    np.testing.assert_array_equal(ids, truth)
    np.testing.assert_allclose(scores[:, 0], (queries @ data.T).max(axis=1), rtol=1e-5)


def test_hnsw_recall_against_brute_force() -> None:
    rng = np.random.default_rng(2)
    data, queries = _unit(rng, 3000), _unit(rng, 50)
    index = vector_index.build_vector_index(data, VectorIndexType.HNSW)
    _, ids = vector_index.search(index, queries, 10)
    truth = np.argsort(-(queries @ data.T), axis=1)[:, :10]
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, truth, strict=True)])
    assert recall >= 0.95


def test_save_load_and_corruption(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    data = _unit(rng, 50)
    path = tmp_path / "v.faiss"
    vector_index.save(vector_index.build_vector_index(data, VectorIndexType.FLAT), path)
    assert vector_index.load(path, 50, 32).ntotal == 50
    with pytest.raises(IndexCorruptError, match="manifest says"):
        vector_index.load(path, 51, 32)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(IndexCorruptError):
        vector_index.load(path, 50, 32)
