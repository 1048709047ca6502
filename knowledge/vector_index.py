"""Dense vector index (faiss), exact for small corpora and HNSW for large ones.

Vectors are L2-normalised, so inner product is cosine similarity. A policy
corpus of a few thousand passages is searched exactly (IndexFlatIP: every
score is the true one); past `exact_limit` passages an HNSW graph keeps query
time flat. Search on a built faiss index only reads it, so one index serves
many threads.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import faiss
import numpy as np

from knowledge.errors import IndexCorruptError

HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 64
HNSW_EF_SEARCH = 128


class VectorIndexType(Enum):
    FLAT = "flat-ip"
    HNSW = "hnsw-ip"


def choose_type(n_vectors: int, exact_limit: int) -> VectorIndexType:
    return VectorIndexType.FLAT if n_vectors <= exact_limit else VectorIndexType.HNSW


def build_vector_index(vectors: np.ndarray, kind: VectorIndexType) -> faiss.Index:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dim = vectors.shape[1]
    index: faiss.Index
    if kind is VectorIndexType.FLAT:
        index = faiss.IndexFlatIP(dim)
    else:
        hnsw = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index = hnsw
    index.add(vectors)
    _tune(index)
    return index


def _tune(index: faiss.Index) -> None:
    if isinstance(index, faiss.IndexHNSWFlat):
        index.hnsw.efSearch = HNSW_EF_SEARCH


def search(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores, ids) of the k nearest passages per query; ids of -1 are padding."""
    k = max(1, min(k, index.ntotal))
    scores, ids = index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
    return scores, ids


def save(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load(path: Path, expected_size: int, expected_dim: int) -> faiss.Index:
    try:
        index = faiss.read_index(str(path))
    except RuntimeError as exc:  # faiss reports any read failure as RuntimeError
        raise IndexCorruptError(f"cannot read vector index {path.name} ({exc})") from exc
    if index.ntotal != expected_size or index.d != expected_dim:
        raise IndexCorruptError(
            f"vector index holds {index.ntotal}×{index.d}, "
            f"manifest says {expected_size}×{expected_dim}"
        )
    _tune(index)
    return index
