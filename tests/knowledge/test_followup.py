"""Reading an elliptical follow-up against the previous question."""

from __future__ import annotations

import pytest

from knowledge.followup import leans_on_previous, read_followup

PREVIOUS = "瑶海区对假冒商标怎么处理的"


@pytest.mark.parametrize(
    "turn",
    [
        "那专利呢？",
        "省里有没有类似的",
        "具体由哪个部门负责？",
        "国家层面呢",
        "这个有期限吗",
        "那版权呢",
    ],
)
def test_short_turns_that_lean_on_the_previous_one(turn: str) -> None:
    assert leans_on_previous(turn)


@pytest.mark.parametrize(
    "turn",
    [
        "我们公司的商标在展会上被人仿冒了，中心能提供哪些帮助和支持呢",
        "申请援助需要准备什么材料",
        "谢谢",
    ],
)
def test_turns_that_stand_on_their_own(turn: str) -> None:
    assert read_followup(turn, PREVIOUS) is None


def test_a_right_named_in_the_follow_up_takes_the_place_of_the_previous_one() -> None:
    followup = read_followup("那专利呢？", PREVIOUS, previous_places=["瑶海区"])
    assert followup is not None
    assert followup.query.startswith("瑶海区对假冒专利怎么处理的")
    assert "商标" not in followup.query


def test_a_place_or_level_named_replaces_the_previous_place() -> None:
    followup = read_followup("省里有没有类似的", PREVIOUS, ["瑶海区"], ["安徽省"])
    assert followup is not None
    assert followup.level == "provincial"
    assert followup.query.startswith("安徽省对假冒商标怎么处理的")
    assert "瑶海" not in followup.query
    national = read_followup("国家层面呢", PREVIOUS, ["瑶海区"])
    assert national is not None and national.level == "national"
    assert "瑶海" not in national.query


def test_the_first_question_of_a_conversation_is_never_a_follow_up() -> None:
    assert read_followup("那专利呢", None) is None


def test_what_a_turn_asks_anew_is_weighed_beside_the_previous_question() -> None:
    from knowledge.followup import own_words

    assert own_words("那要是在展会上被仿了呢") == "在展会上被仿了"
    assert own_words("具体哪个部门负责") == "哪个部门负责"
    # A right, a place, a level or a pointer alone asks nothing new.
    for turn in ("那专利呢？", "省里有没有类似的", "那瑶海区呢", "国家那个文件里呢"):
        assert own_words(turn, ["瑶海区"]) == "", turn
    followup = read_followup("那要是在展会上被仿了呢", "瑶海区对商标侵权怎么管")
    assert followup is not None and followup.query.count("在展会上被仿了") == 2
