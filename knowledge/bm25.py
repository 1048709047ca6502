"""Okapi BM25 over token lists, as a sparse matrix.

The per-(passage, term) BM25 weights are computed once at build time and kept
in a column-compressed matrix, so scoring a question is one sparse column slice
and a matrix-vector product: milliseconds for 100k passages, where a Python
loop over passages would take most of a second.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from scipy import sparse


@dataclass
class BM25Index:
    """BM25 weights (passages × terms) and the vocabulary that names the columns."""

    weights: sparse.csc_matrix
    vocabulary: dict[str, int]
    idf: np.ndarray

    @classmethod
    def build(
        cls, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75
    ) -> BM25Index:
        vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        tfs: list[int] = []
        lengths = np.zeros(len(documents), dtype=np.float32)
        for row, tokens in enumerate(documents):
            lengths[row] = len(tokens)
            for term, count in Counter(tokens).items():
                rows.append(row)
                cols.append(vocabulary.setdefault(term, len(vocabulary)))
                tfs.append(count)
        n_docs = max(len(documents), 1)
        tf = np.asarray(tfs, dtype=np.float32)
        row_idx = np.asarray(rows, dtype=np.int64)
        col_idx = np.asarray(cols, dtype=np.int64)
        df = np.bincount(col_idx, minlength=len(vocabulary)).astype(np.float32)
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        avg_len = float(lengths.mean()) if len(documents) else 1.0
        norm = k1 * (1.0 - b + b * lengths[row_idx] / max(avg_len, 1e-9))
        values = idf[col_idx] * tf * (k1 + 1.0) / (tf + norm)
        matrix = sparse.csc_matrix(
            (values, (row_idx, col_idx)), shape=(len(documents), len(vocabulary)), dtype=np.float32
        )
        return cls(weights=matrix, vocabulary=vocabulary, idf=idf)

    @property
    def size(self) -> int:
        return int(self.weights.shape[0])

    @cached_property
    def document_frequency(self) -> np.ndarray:
        """Passages each term occurs in."""
        return np.diff(self.weights.indptr).astype(np.int64)

    def scores(self, term_weights: dict[str, float]) -> np.ndarray:
        """BM25 score of every passage for a weighted bag of query terms."""
        columns = [(self.vocabulary[t], w) for t, w in term_weights.items() if t in self.vocabulary]
        if not columns:
            return np.zeros(self.size, dtype=np.float32)
        idx = np.fromiter((c for c, _ in columns), dtype=np.int64)
        weight = np.fromiter((w for _, w in columns), dtype=np.float32)
        return np.asarray(self.weights[:, idx] @ weight, dtype=np.float32).ravel()

    def top(self, term_weights: dict[str, float], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Indices and scores of the k best passages with a positive score, best first."""
        scores = self.scores(term_weights)
        positive = np.flatnonzero(scores > 0)
        if positive.size == 0:
            return positive, scores[positive]
        k = min(k, positive.size)
        best = positive[np.argpartition(-scores[positive], k - 1)[:k]]
        order = best[np.argsort(-scores[best], kind="stable")]
        return order, scores[order]

    def coverage_per_row(self, terms: Sequence[str], rows: Sequence[int]) -> np.ndarray:
        """For each row, the IDF-weighted share of `terms` it contains.

        A term the corpus never uses counts as missing from every row, with the
        weight of the rarest known term: a question about 护照 and 办理 is not
        fully covered by a passage that only says 办理.
        """
        unique = list(dict.fromkeys(terms))
        columns = [self.vocabulary[t] for t in unique if t in self.vocabulary]
        if not unique or not len(rows):
            return np.zeros(len(rows))
        unknown_weight = (len(unique) - len(columns)) * float(self.idf.max(initial=1.0))
        if not columns:
            return np.zeros(len(rows))
        present = (self.weights[:, columns][list(rows), :] > 0).toarray()
        idf = self.idf[columns]
        return np.asarray(present @ idf / max(float(idf.sum()) + unknown_weight, 1e-9))

    def save(self, path: Path) -> None:
        terms = np.array(sorted(self.vocabulary, key=self.vocabulary.__getitem__), dtype=object)
        w = self.weights
        with path.open("wb") as handle:
            np.savez(
                handle,
                data=w.data,
                indices=w.indices,
                indptr=w.indptr,
                shape=np.array(w.shape),
                idf=self.idf,
                terms=np.array(terms.astype(str)),
            )

    @classmethod
    def load(cls, path: Path) -> BM25Index:
        with np.load(path, allow_pickle=False) as z:
            shape = tuple(int(x) for x in z["shape"])
            weights = sparse.csc_matrix((z["data"], z["indices"], z["indptr"]), shape=shape)
            terms = [str(t) for t in z["terms"]]
            return cls(
                weights=weights, vocabulary={t: i for i, t in enumerate(terms)}, idf=z["idf"]
            )
