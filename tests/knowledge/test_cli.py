"""The command line, run as a person or a script would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge.settings import KnowledgeSettings

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _run(
    settings: KnowledgeSettings, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KNOWLEDGE_DATA_DIR": str(settings.data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "knowledge", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_search_json_contract(real_settings: KnowledgeSettings) -> None:
    result = _run(real_settings, "search", "--json", "--top-k", "3", "专利被侵权了没钱打官司怎么办")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert list(payload)[:3] == ["query", "answerable", "results"]
    assert payload["query"] == "专利被侵权了没钱打官司怎么办"
    assert len(payload["results"]) == 3
    for hit in payload["results"]:
        assert {"doc_id", "title", "doc_number", "section", "text", "score"} <= set(hit)


def test_queries_file_gives_one_line_per_question_in_order(
    real_settings: KnowledgeSettings, tmp_path: Path
) -> None:
    questions = ["商业秘密保护", "", "地理标志", "😀", "展会知识产权保护"]
    path = tmp_path / "q.txt"
    path.write_text("\n".join(questions) + "\n", encoding="utf-8")
    result = _run(real_settings, "search", "--json", "--top-k", "2", "--queries", str(path))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["query"] for line in lines] == questions
    assert lines[1]["results"] == [] and lines[1]["answerable"] is False


def test_queries_from_stdin(real_settings: KnowledgeSettings) -> None:
    result = _run(real_settings, "search", "--json", "--queries", "-", stdin="行政裁决\n维权援助\n")
    assert [json.loads(x)["query"] for x in result.stdout.splitlines()] == ["行政裁决", "维权援助"]


def test_readable_answer_for_a_person(real_settings: KnowledgeSettings) -> None:
    result = _run(real_settings, "search", "个人专利被侵权经济困难能申请援助吗")
    assert result.returncode == 0
    assert "依据" in result.stdout and "枣市监中心字〔2020〕42号" in result.stdout
    unanswerable = _run(real_settings, "search", "今天天气怎么样")
    assert "没有能直接回答这个问题的条款" in unanswerable.stdout


def test_usage_errors_are_one_clear_line(real_settings: KnowledgeSettings, tmp_path: Path) -> None:
    no_question = _run(real_settings, "search")
    assert no_question.returncode == 2 and "请给出问题" in no_question.stderr
    missing = _run(real_settings, "search", "--queries", str(tmp_path / "none.txt"))
    assert missing.returncode == 2 and "找不到问题文件" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_build_reports_up_to_date(real_settings: KnowledgeSettings) -> None:
    result = _run(real_settings, "build")
    assert result.returncode == 0 and "无需重建" in result.stdout


def test_broken_corpus_is_named_not_a_traceback(
    real_settings: KnowledgeSettings, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bad.txt").write_text("---\ntitle: [oops\n---\n正文", encoding="utf-8")
    env = {
        **os.environ,
        "KNOWLEDGE_CORPUS_DIR": str(corpus),
        "KNOWLEDGE_DATA_DIR": str(tmp_path / "idx"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "knowledge", "build"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "bad.txt" in result.stderr and "Traceback" not in result.stderr


def test_eval_reports_metrics_and_baselines(real_settings: KnowledgeSettings) -> None:
    result = _run(real_settings, "eval", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    modes = [r["mode"] for r in report["dev"]]
    assert modes == ["hybrid", "bm25", "dense"]
    hybrid = report["dev"][0]
    for key in ("recall_at_1", "recall_at_5", "mrr_at_10"):
        assert 0 <= hybrid[key] <= 1
    assert {"unanswerable_recall", "false_refusal_rate", "answerable_precision"} <= set(
        hybrid["flags_cv"]
    )
    assert hybrid["questions"] >= 100
