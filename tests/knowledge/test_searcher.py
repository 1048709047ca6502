"""Search over the real corpus with the bundled model: what a person would notice."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from knowledge.searcher import RetrievalMode, Searcher

pytestmark = pytest.mark.slow


def _top(searcher: Searcher, question: str, k: int = 5) -> list[tuple[str, str]]:
    return [(h.passage.doc_id[:3], h.passage.section) for h in searcher.search(question, k).results]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "我们小公司的外观设计专利在拼多多上被人仿了，你们能出个侵权判定意见吗",
            ("004", "四（五）1"),
        ),
        ("穷人打不起专利官司有没有资金上的帮助", ("004", "四（二）3")),
        ("出国参展被外国公司告侵权，谁能指导", ("004", "四（六）1")),
        ("枣庄各个区县有没有维权援助的分支机构", ("004", "四（三）2")),
        ("惩罚性赔偿 支持 权利人", ("001", "二、3")),
    ],
)
def test_everyday_questions_find_the_clause(
    real_searcher: Searcher, question: str, expected: tuple[str, str]
) -> None:
    assert expected in _top(real_searcher, question)


def test_result_contract_and_citation(real_searcher: Searcher) -> None:
    response = real_searcher.search("专利侵权纠纷行政裁决", k=3).to_dict()
    assert set(response) >= {"query", "answerable", "results"}
    assert response["query"] == "专利侵权纠纷行政裁决" and response["answerable"] is True
    assert len(response["results"]) == 3
    first = response["results"][0]
    assert set(first) >= {"doc_id", "title", "doc_number", "section", "text", "score"}
    assert 0 < first["score"] <= 1
    assert first["citation"].startswith("《") and first["section"] in first["citation"]


def test_traditional_and_typo_questions_meet_the_same_clause(real_searcher: Searcher) -> None:
    plain = _top(real_searcher, "商业秘密被员工带走了怎么办", 3)
    traditional = _top(real_searcher, "商業秘密被員工帶走了怎麼辦", 3)
    assert plain == traditional


@pytest.mark.parametrize(
    "question",
    [
        "今天天气怎么样",
        "维权援助中心的电话是多少",
        "北京知识产权法院立案要带什么材料",
        "护照在哪办",
    ],
)
def test_questions_the_corpus_cannot_answer_are_flagged(
    real_searcher: Searcher, question: str
) -> None:
    response = real_searcher.search(question)
    assert response.answerable is False and response.reason == "low_confidence"


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("", "empty_query"),
        ("   \n\t ", "empty_query"),
        ("😀😀🎉", "empty_query"),
        ("？？！！", "empty_query"),
    ],
)
def test_empty_input_gets_a_clear_result(
    real_searcher: Searcher, question: str, reason: str
) -> None:
    response = real_searcher.search(question)
    assert response.answerable is False and response.results == [] and response.reason == reason


@pytest.mark.parametrize(
    "question",
    [
        "专利" * 5000,
        "How do I protect my patent in China?",
        "\x00\x1b专利\x7f侵权\ud800",
        "a" * 10_000,
    ],
)
def test_hostile_input_never_raises(real_searcher: Searcher, question: str) -> None:
    response = real_searcher.search(question, k=3)
    assert isinstance(response.answerable, bool) and len(response.results) <= 3


def test_baseline_modes_rank_differently_but_work(real_searcher: Searcher) -> None:
    for mode in RetrievalMode:
        assert real_searcher.search("地理标志保护", k=5, mode=mode).results


def test_concurrent_searches_give_the_sequential_answers(real_searcher: Searcher) -> None:
    questions = ["专利无效宣告费用", "展会侵权", "海外纠纷应对", "商标恶意注册", "人民调解"] * 4
    sequential = [_top(real_searcher, q, 3) for q in questions]
    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(lambda q: _top(real_searcher, q, 3), questions))
    assert concurrent == sequential
