"""The persisted index: skip when unchanged, rebuild on change, reuse vectors,
recover from corruption, swap atomically."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from knowledge.errors import IndexCorruptError, IndexMissingError
from knowledge.index_store import current_path, load_index
from knowledge.service import build, open_searcher
from knowledge.settings import KnowledgeSettings
from tests.conftest import HashEmbedder


def test_build_then_skip(hash_settings: KnowledgeSettings, hash_embedder: HashEmbedder) -> None:
    first = build(hash_settings, embedder=hash_embedder)
    assert first.built and first.reason == "no index yet"
    manifest = first.manifest
    assert manifest.model_id == hash_embedder.model_id
    assert manifest.passages == 105 and manifest.units > manifest.passages
    assert manifest.index_type == "flat-ip" and len(manifest.corpus_hash) == 64
    assert manifest.answerability["model"]["calibrated"] is True

    embedded = len(hash_embedder.embedded)
    second = build(hash_settings, embedder=hash_embedder)
    assert not second.built and second.reason == "up to date"
    assert len(hash_embedder.embedded) == embedded  # nothing embedded again


def test_a_new_document_rebuilds_and_embeds_only_its_passages(
    hash_settings: KnowledgeSettings, hash_embedder: HashEmbedder
) -> None:
    build(hash_settings, embedder=hash_embedder)
    before = len(hash_embedder.embedded)
    (hash_settings.corpus_dir / "005_new.txt").write_text(
        "---\ntitle: 新增办法\nregion: 山东省枣庄市\nlevel: city\n---\n"
        "一、援助对象\n\n1. 为小微企业提供专利维权资金援助。\n\n2. 为个人提供咨询。",
        encoding="utf-8",
    )
    report = build(hash_settings, embedder=hash_embedder)
    assert report.built and "corpus" in report.reason
    new = hash_embedder.embedded[before:]
    assert new and all("援助" in t or "咨询" in t for t in new)
    assert len(new) < 10
    assert any(p.doc_id == "005_new" for p in load_index(hash_settings.data_dir).passages)


def test_swap_keeps_the_previous_build_and_drops_older_ones(
    hash_settings: KnowledgeSettings, hash_embedder: HashEmbedder
) -> None:
    builds = []
    for _ in range(3):
        build(hash_settings, force=True, embedder=hash_embedder)
        builds.append(current_path(hash_settings.data_dir).resolve())
    remaining = sorted(p.name for p in (hash_settings.data_dir / "builds").iterdir())
    assert remaining == sorted([builds[1].name, builds[2].name])
    assert current_path(hash_settings.data_dir).is_symlink()


def test_missing_index_is_reported(hash_settings: KnowledgeSettings) -> None:
    with pytest.raises(IndexMissingError):
        load_index(hash_settings.data_dir)


@pytest.mark.parametrize("damage", ["truncate", "delete", "manifest"])
def test_corrupt_index_is_detected_and_rebuilt(
    hash_settings: KnowledgeSettings,
    hash_embedder: HashEmbedder,
    caplog: pytest.LogCaptureFixture,
    damage: str,
) -> None:
    build(hash_settings, embedder=hash_embedder)
    build_dir = current_path(hash_settings.data_dir).resolve()
    if damage == "truncate":
        path = build_dir / "vectors.faiss"
        path.write_bytes(path.read_bytes()[:64])
    elif damage == "delete":
        (build_dir / "bm25.npz").unlink()
    else:
        (build_dir / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexCorruptError):
        load_index(hash_settings.data_dir)
    with caplog.at_level(logging.WARNING):
        searcher = open_searcher(hash_settings, embedder=hash_embedder)
    assert "building the index now" in caplog.text
    assert searcher.search("专利侵权", k=1).results


def test_an_index_of_another_model_is_not_used(
    hash_settings: KnowledgeSettings, hash_embedder: HashEmbedder, tmp_path: Path
) -> None:
    build(hash_settings, embedder=hash_embedder)
    manifest_path = current_path(hash_settings.data_dir).resolve() / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest["model_id"] == hash_embedder.model_id
    other = HashEmbedder("sentence-transformers/another-model")
    from dataclasses import replace

    from knowledge.embedding import EmbeddingSpec

    settings = replace(
        hash_settings, embedding=EmbeddingSpec("sentence-transformers", "another-model")
    )
    report = build(settings, embedder=other)
    assert report.built and "model" in report.reason
