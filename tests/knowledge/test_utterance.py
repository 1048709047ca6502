"""Reading what a message does: asks, tells the person's own story, or both."""

from __future__ import annotations

import pytest

from knowledge.utterance import (
    asks,
    asks_about_process,
    asks_about_service,
    asks_what,
    speaks_of_self,
    tells_own_story,
)


@pytest.mark.parametrize(
    "text",
    [
        "我们厂的外观设计被人在拼多多上仿了，应该怎么维权？",
        "申请援助要准备什么材料",
        "多久能有结果",
        "那专利呢",
        "你们管不管商标的事",
        "能不能帮我找个律师",
        "我能申请援助吗",
        "有没有资金补助",
        "区里有什么保护措施吗",
        "费用是多少啊",
        "是不是要先交钱",
        "咋办啊",
        "哪个部门负责",
    ],
)
def test_questions_are_read_as_questions(text: str) -> None:
    assert asks(text)


@pytest.mark.parametrize(
    "text",
    [
        "我们的专利被人仿了",
        "同意",
        "没有困难",
        "没什么钱",
        "就是个人",
        "别人侵犯了我们的权利",
        "在薛城区",
        "哪怕打官司我也要维权",
        "不是商标，是专利",
    ],
)
def test_statements_and_plain_answers_are_not_questions(text: str) -> None:
    assert not asks(text)


def test_asking_what_a_service_takes_is_told_from_asking_for_it() -> None:
    assert asks_about_service("申请援助要准备什么材料")
    assert asks_about_service("申请援助需要满足哪些条件？")
    assert asks_about_process("自测大概要多久？")
    assert not asks_about_process("我们符合援助条件吗")
    assert not asks_about_service("我能申请援助吗")
    assert not asks_about_service("我想申请援助，怎么提交")
    assert not asks_about_service("能帮我申请一下吗")


def test_a_question_word_is_told_from_a_bare_question_particle() -> None:
    assert asks_what("好的，那多久能有结果")
    assert asks_what("你好，你们分中心在哪")
    assert not asks_what("你好，在线吗")
    assert not asks_what("是吗")


def test_a_story_needs_the_person_and_something_that_happened_to_them() -> None:
    assert tells_own_story("我在合肥开了个设计工作室，作品被人盗用了，区里有什么保护措施吗")
    assert tells_own_story("俺家的商标让人抢注了")
    assert not tells_own_story("电商平台上被侵权一般怎么处理")
    assert not tells_own_story("我想问下政策")
    assert speaks_of_self("我是市中区的")
    assert speaks_of_self("家里条件一般")
    assert not speaks_of_self("电商平台上被侵权一般怎么处理")
