"""The benchmark's helpers, and small end-to-end runs of both scenarios.

These check that the benchmark measures the right thing and reports it in the
right shape; they never assert on timings, which depend on the machine.
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections import Counter
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from knowledge import bench
from knowledge.errors import KnowledgeError
from knowledge.index_store import load_index, units_of
from knowledge.passages import Passage
from knowledge.settings import KnowledgeSettings
from knowledge.structure import sentences

TEXTS = [
    "加强知识产权保护。支持小微企业维权！鼓励社会力量参与；附件略",
    "维权援助中心提供公益服务。申请人应当提交书面材料。",
    "对侵权行为依法查处。他说：“严格执行。”",
]


def _passage(number: int, text: str) -> Passage:
    """A passage with the given text; fields added to Passage later get an empty value."""
    values: dict[str, object] = {
        "chunk_id": f"d{number}#0",
        "doc_id": f"d{number}",
        "title": f"测试文件{number}",
        "doc_number": f"京知〔2024〕{number}号",
        "issuer": "北京市知识产权局",
        "region": "北京",
        "level": "provincial",
        "date": "2024-01-01",
        "section": f"{number + 1}",
        "headings": [f"{number + 1}、工作措施"],
        "heading_titles": ["工作措施"],
        "text": text,
        "part": 1,
        "parts": 1,
    }
    empty: dict[str, object] = {"str": "", "int": 0, "list[str]": []}
    return Passage(**{f.name: values.get(f.name, empty.get(str(f.type))) for f in fields(Passage)})


@pytest.fixture
def corpus() -> tuple[list[Passage], np.ndarray]:
    """Three passages; every unit of passage i has the vector e_i, so a mix shows its sources."""
    passages = [_passage(i, t) for i, t in enumerate(TEXTS)]
    _, owners = units_of(passages)
    return passages, np.eye(16, dtype=np.float32)[owners]


def _check_latency(stats: dict[str, Any], calls: int, threads: int) -> None:
    assert 0 < stats["p50_ms"] <= stats["p95_ms"] <= stats["p99_ms"]
    assert stats["qps"] > 0
    assert (stats["calls"], stats["threads"]) == (calls, threads)


# -- pure helpers ---------------------------------------------------------------


def test_percentiles_interpolate_linearly() -> None:
    assert bench.percentiles(list(range(1, 101))) == pytest.approx(
        {"p50": 50.5, "p95": 95.05, "p99": 99.01}
    )
    assert bench.percentiles([7.0]) == {"p50": 7.0, "p95": 7.0, "p99": 7.0}
    assert bench.percentiles([3.0, 1.0, 2.0], points=(0, 100)) == {"p0": 1.0, "p100": 3.0}


def test_percentiles_are_ordered_on_a_skewed_sample() -> None:
    samples = np.random.default_rng(1).lognormal(3.0, 1.0, 500).tolist()
    p = bench.percentiles(samples)
    assert min(samples) <= p["p50"] <= p["p95"] <= p["p99"] <= max(samples)


def test_percentiles_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="no samples"):
        bench.percentiles([])


def test_sentence_pool_keeps_whole_sentences_and_their_passage(
    corpus: tuple[list[Passage], np.ndarray],
) -> None:
    pool, owners = bench.sentence_pool(corpus[0])
    assert "附件略" not in pool  # no sentence end: it would run into the next sentence
    assert pool[:3] == ["加强知识产权保护。", "支持小微企业维权！", "鼓励社会力量参与；"]
    assert "他说：“严格执行。”" in pool
    assert owners.tolist() == [0, 0, 0, 1, 1, 2, 2]


def test_synthesize_makes_the_requested_passages_from_real_sentences(
    corpus: tuple[list[Passage], np.ndarray],
) -> None:
    passages, vectors = corpus
    synthetic = bench.synthesize(passages, vectors, 450, seed=3)
    made, mixed, owners = synthetic.passages, synthetic.vectors, synthetic.owners
    pool = set(bench.sentence_pool(passages)[0])
    assert len(made) == 450
    for passage in made:
        parts = sentences(passage.text)
        assert 2 <= len(parts) <= 5
        assert set(parts) <= pool
    assert len({p.chunk_id for p in made}) == 450
    assert [p.doc_id for p in made[::200]] == ["syn0000", "syn0001", "syn0002"]
    assert len({p.section for p in made}) == 3  # sections cycle through the real ones
    texts, expected_owners = units_of(made)
    assert synthetic.unit_texts == texts
    assert len(texts) > 450  # a passage of several sentences has a unit per sentence too
    np.testing.assert_array_equal(owners, expected_owners)
    assert mixed.shape == (len(texts), 16)
    assert mixed.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(mixed, axis=1), 1.0, rtol=1e-5)


def test_synthesize_is_deterministic_for_a_seed(corpus: tuple[list[Passage], np.ndarray]) -> None:
    first = bench.synthesize(*corpus, 50, seed=11)
    again = bench.synthesize(*corpus, 50, seed=11)
    other = bench.synthesize(*corpus, 50, seed=12)
    assert first.passages == again.passages
    assert first.unit_texts == again.unit_texts
    np.testing.assert_array_equal(first.vectors, again.vectors)
    np.testing.assert_array_equal(first.owners, again.owners)
    assert [p.text for p in first.passages] != [p.text for p in other.passages]


def test_synthetic_unit_vectors_mix_the_vectors_of_the_sentences_they_hold(
    corpus: tuple[list[Passage], np.ndarray],
) -> None:
    passages, vectors = corpus
    pool, owners = bench.sentence_pool(passages)
    owner_of = dict(zip(pool, owners.tolist(), strict=True))
    synthetic = bench.synthesize(passages, vectors, 100, noise=0.0)
    units = zip(synthetic.unit_texts, synthetic.vectors, synthetic.owners.tolist(), strict=True)
    for text, vector, passage in units:
        held = [s for s in sentences(synthetic.passages[passage].text) if s in text]
        # Real vectors are one-hot by passage: a mix weighs exactly its sources' passages.
        assert {i for i in range(16) if vector[i] > 1e-6} == {owner_of[s] for s in held}


def test_synthesize_refuses_vectors_that_do_not_match_the_units(
    corpus: tuple[list[Passage], np.ndarray],
) -> None:
    passages, vectors = corpus
    with pytest.raises(KnowledgeError, match="rebuild the index"):
        bench.synthesize(passages, vectors[:-1], 10)


def test_synthesize_needs_whole_sentences() -> None:
    with pytest.raises(KnowledgeError, match="no whole sentences"):
        bench.synthesize([_passage(0, "没有句号的标题")], np.eye(1, 4, dtype=np.float32), 5)


def test_time_calls_makes_every_call_once_and_orders_its_percentiles() -> None:
    seen: Counter[str] = Counter()
    lock = threading.Lock()

    def call(question: str) -> None:
        with lock:
            seen[question] += 1

    stats = bench.time_calls(call, ["甲", "乙", "丙"], total=17, threads=4)
    assert seen == Counter({"甲": 6, "乙": 6, "丙": 5})
    _check_latency(stats, calls=17, threads=4)


def test_describe_machine_names_cores_ram_and_model() -> None:
    settings = KnowledgeSettings()
    machine = bench.describe_machine(settings)
    assert machine["cores"] >= 1
    assert machine["ram_gb"] > 0
    assert machine["cpu"]
    assert machine["python"].startswith("3.")
    assert machine["model"] == settings.embedding.model_id
    assert machine["load_1min"] >= 0


def test_settings_survive_the_trip_to_a_scenario_subprocess(tmp_path: Path) -> None:
    settings = replace(KnowledgeSettings(), data_dir=tmp_path, max_chunk_chars=200)
    assert bench.settings_from_json(bench.settings_to_json(settings)) == settings


def test_questions_come_from_the_dev_set_or_a_built_in_list(tmp_path: Path) -> None:
    assert bench.load_questions(tmp_path / "missing.jsonl") == bench.FALLBACK_QUESTIONS
    questions = bench.load_questions(KnowledgeSettings().dev_set)
    assert len(questions) > 20
    assert all(isinstance(q, str) and q for q in questions)


def test_long_messages_are_as_long_as_the_longest_accepted_and_end_with_a_question() -> None:
    questions = ["专利被仿了怎么办？", "商标被抢注了", "援助要交费吗"]
    messages = bench.long_messages(questions)
    assert [len(m) for m in messages] == [bench.LONGEST_MESSAGE] * 3
    assert [m.endswith(q) for m, q in zip(messages, questions, strict=True)] == [True] * 3
    assert bench.long_messages(["一个问题？"], 12) == ["一个问题？一个" + "一个问题？"]


def test_a_failing_scenario_is_reported_in_one_line(tmp_path: Path) -> None:
    settings = replace(KnowledgeSettings(), corpus_dir=tmp_path / "no-such-corpus")
    with pytest.raises(KnowledgeError, match="bench scenario 'real' failed") as failure:
        bench.run_bench(settings, synthetic=10, queries=5)
    assert "\n" not in str(failure.value)


# -- scenarios against a real build -------------------------------------------


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The real scenario once per module: it builds (embeds) the whole corpus."""
    work = tmp_path_factory.mktemp("bench")
    return work, bench.run_real(KnowledgeSettings(), work / "real", queries=20)


@pytest.mark.slow
def test_real_scenario_reports_build_latency_and_embedding_floor(
    real_run: tuple[Path, dict[str, Any]],
) -> None:
    _, report = real_run
    assert report["scenario"] == "real"
    assert report["units"] >= report["passages"] > 0
    assert report["index_type"] == "flat-ip"
    assert report["build_s"] > 0
    _check_latency(report["one_client"], calls=20, threads=1)
    _check_latency(report["threaded"], calls=20, threads=bench.THREADS)
    assert 0 < report["embed_floor"]["p50_ms"] <= report["embed_floor"]["p95_ms"]
    # The longest chat message is timed beside the questions, through the same search.
    assert report["long_message"]["chars"] == bench.LONGEST_MESSAGE
    _check_latency(report["long_message"], calls=20, threads=1)


@pytest.mark.slow
def test_synthetic_scenario_builds_a_searchable_hnsw_index(
    real_run: tuple[Path, dict[str, Any]],
) -> None:
    work, _ = real_run
    settings = replace(KnowledgeSettings(), exact_search_limit=200)  # > 300 units → HNSW
    report = bench.run_synthetic(settings, work / "real", work / "synthetic", 300, queries=20)
    assert (report["scenario"], report["passages"], report["index_type"]) == (
        "synthetic",
        300,
        "hnsw-ip",
    )
    assert report["units"] > 300
    assert report["build_s"] > 0
    embedding = report["embedding"]
    assert embedding["units_per_s"] > 0
    assert embedding["extrapolated_s"] == pytest.approx(report["units"] / embedding["units_per_s"])
    _check_latency(report["one_client"], calls=20, threads=1)
    _check_latency(report["threaded"], calls=20, threads=bench.THREADS)
    index = load_index(work / "synthetic")
    assert index.manifest.passages == len(index.passages) == 300
    assert index.manifest.units == index.vectors.ntotal == len(index.owners) == report["units"]
    assert {p.doc_id for p in index.passages} == {"syn0000", "syn0001"}
    vectors = np.load(index.path / "vectors.npy")
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


@pytest.mark.slow
def test_bench_runs_both_scenarios_in_subprocesses_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert bench.run_bench(KnowledgeSettings(), synthetic=300, queries=20, as_json=True) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["machine"]["cores"] >= 1
    assert report["total_s"] > 0
    assert set(report["scenarios"]) == {"real", "synthetic"}
    for scenario in report["scenarios"].values():
        assert scenario["peak_mb"] >= scenario["rss_mb"] > 0
        assert scenario["others_cpu_share"] >= 0
        _check_latency(scenario["threaded"], calls=20, threads=bench.THREADS)
    assert list(tmp_path.iterdir()) == []  # the scratch folder is gone
    table = bench.format_report(report)
    assert "real" in table
    assert "synthetic" in table
    assert "p95 ≤ 30 ms" in table
    assert "query-embedding floor" in table
    assert "longest chat message (2,000 chars)" in table and "a dev-set question's" in table
    assert "extrapolated" in table
