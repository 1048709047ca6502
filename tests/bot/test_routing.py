"""A message that asks something is answered first, whatever else it does (bot/routing.py)."""

from __future__ import annotations

import pytest

from bot.routing import routed_intent


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("inform", "我们厂的外观设计被人在拼多多上仿了，应该怎么维权？"),
        ("inform", "我在合肥开了个设计工作室，作品被人盗用了，区里有什么保护措施吗"),
        ("apply_assistance", "申请援助要准备什么材料"),
        ("check_eligibility", "自测大概要多长时间"),
        ("affirm", "同意，那多久能有结果"),
        ("inform", "多久能有结果"),
    ],
)
def test_a_question_is_answered_first(intent: str, text: str) -> None:
    assert routed_intent(intent, text) == "ask_policy"


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("check_eligibility", "我能申请援助吗"),
        ("apply_assistance", "能帮我申请援助吗"),
        ("apply_assistance", "我想申请援助"),
        ("inform", "别人侵犯了我们的专利"),
        ("affirm", "是的吗"),
        ("deny", "没有困难"),
        ("ask_human", "能转人工吗"),
        ("greet", "您好，请问有人吗"),
        ("check_eligibility", "我们是大公司，在展会上被人抄了，符合援助条件吗"),
        ("check_eligibility", "看看我能享受哪些援助"),
        ("apply_assistance", "我在山亭区，想申请援助，怎么提交"),
        ("query_case", "我的案子办得怎么样了"),
    ],
)
def test_requests_answers_and_other_intents_stay(intent: str, text: str) -> None:
    assert routed_intent(intent, text) is None
