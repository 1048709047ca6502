from __future__ import annotations

import pytest

from knowledge.answer_type import AnswerType, asked_types, holds


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("维权援助中心的电话是多少", AnswerType.CONTACT),
        ("分中心地址在哪里", AnswerType.LOCATION),
        ("资金援助最多能给多少钱", AnswerType.AMOUNT),
        ("枣庄去年办了多少件案子", AnswerType.STATISTIC),
        ("侵权判定意见几天能出来", AnswerType.DURATION),
        ("中心是哪年成立的", AnswerType.DATE),
        ("商标法第五十七条说的是啥", AnswerType.ARTICLE),
        ("集体商标和证明商标有啥区别", AnswerType.DEFINITION),
        ("商标续展要什么手续", AnswerType.PROCEDURE),
        ("假冒注册商标罪怎么量刑", AnswerType.PENALTY),
    ],
)
def test_question_forms(question: str, kind: AnswerType) -> None:
    assert kind in asked_types(question)


@pytest.mark.parametrize(
    "question",
    [
        "安徽的要点是根据哪几个文件定的",
        "网上好几家店卖我们的牌子",
        "今年发现市里好几家店在卖假货",
        "专利被侵权了怎么办",
        "能申请资金援助吗",
    ],
)
def test_questions_that_ask_for_no_particular_fact(question: str) -> None:
    assert asked_types(question) == []


def test_a_statistic_needs_counted_cases() -> None:
    text = "在各区（市）、枣庄高新区设立7个中国（枣庄）知识产权维权援助中心分中心"
    assert not holds(AnswerType.STATISTIC, text, "去年办了多少件案子")
    assert holds(AnswerType.STATISTIC, "全年受理维权援助案件126件", "去年办了多少件案子")


def test_an_article_must_be_the_same_article() -> None:
    assert holds(AnswerType.ARTICLE, "依照第五十七条规定", "第五十七条说的是啥")
    assert not holds(AnswerType.ARTICLE, "依照第六十条规定", "第五十七条说的是啥")


def test_policy_text_holds_no_phone_number() -> None:
    assert not holds(
        AnswerType.CONTACT, "强化维权援助公共服务平台的推广使用，提升便民利民服务水平。"
    )
    assert holds(AnswerType.CONTACT, "咨询电话：0632-3311234")
