"""Shared fixtures: settings pointing at temporary folders, a deterministic test
embedder, and the real corpus indexed once per session with the bundled model."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from knowledge.embedding import EmbeddingSpec
from knowledge.settings import KnowledgeSettings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "knowledge" / "corpus"


class HashEmbedder:
    """A fast, deterministic stand-in for a model: hashed character bigrams.

    Texts sharing bigrams get similar vectors, which is enough to test the
    index machinery without loading a real model.
    """

    dim = 64

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id
        self.embedded: list[str] = []

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        chars = re.sub(r"\s", "", text)
        for i in range(max(len(chars) - 1, 1)):
            digest = hashlib.blake2b(chars[i : i + 2].encode(), digest_size=4).digest()
            vector[int.from_bytes(digest, "little") % self.dim] += 1.0
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim))

    def embed_passages(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        self.embedded.extend(texts)
        return self.embed_queries(list(texts))


HASH_SPEC = EmbeddingSpec("sentence-transformers", "test-hash-embedder")


@pytest.fixture
def hash_settings(tmp_path: Path) -> KnowledgeSettings:
    """Settings for a throwaway index built with the hash embedder from a copy of the corpus."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for source in CORPUS.iterdir():
        (corpus / source.name).write_bytes(source.read_bytes())
    return replace(
        KnowledgeSettings(),
        corpus_dir=corpus,
        data_dir=tmp_path / "index",
        embedding=HASH_SPEC,
    )


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder(HASH_SPEC.model_id)


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeSettings:
    """The real corpus and the bundled e5 model, indexed once for the whole session."""
    from knowledge.service import build

    settings = replace(KnowledgeSettings(), data_dir=tmp_path_factory.mktemp("real-index"))
    build(settings)
    return settings


@pytest.fixture(scope="session")
def real_searcher(real_settings: KnowledgeSettings):  # type: ignore[no-untyped-def]
    from knowledge.service import open_searcher

    return open_searcher(real_settings, build_if_needed=False)


@pytest.fixture(scope="session")
def rasa_model() -> Path:
    """The Rasa model for the current training data, trained only when that changed."""
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    from rasa_model import ensure_model

    return ensure_model()
