"""The same conversations on the WeChat official account as in the web chat.

A person on WeChat and a person in the widget say the same things to the same
running stack; the WeChat person must read exactly what the web person's
messages render to on WeChat (texts, sources as 出处 lines, options numbered),
and a number sent back must do what tapping that button does.
"""

from __future__ import annotations

import re
from typing import Any, cast

import pytest

from connectors.messages import ChatMessage
from connectors.wechat.render import CHOOSE_PROMPT, render
from tests.e2e.conftest import Conversation
from tests.e2e.test_conversations import asked, custom
from tests.e2e.wechat import WeChatPerson

pytestmark = pytest.mark.slow

BUSY = "系统繁忙"
# Typed answers, by the question the form asks, as a worried inventor would write them.
TYPED = {
    "issue_type": "别人照着我的东西做了卖",
    "ip_type": "外观设计专利",
    "applicant_type": "就我自己，个人",
    "in_region": "在枣庄",
    "financial_hardship": "家里比较困难",
}


def plain(text: str) -> str:
    """Text with the layout WeChat's message cutting may change taken out."""
    return re.sub(r"\s+", "", text)


def on_wechat(messages: list[dict[str, Any]]) -> str:
    """What the web reply reads like on WeChat."""
    return render(cast(list[ChatMessage], messages), BUSY).text


def same_turn(web: list[dict[str, Any]], wechat: str) -> None:
    assert plain(wechat) == plain(on_wechat(web))


def test_a_told_situation_and_the_check_read_the_same_on_wechat(
    talk: Conversation, follower: WeChatPerson
) -> None:
    opening = "我是市中区的，自己搞的外观设计专利被隔壁厂照着做了，家里困难，该怎么办"
    web = talk.send(opening)
    wechat = follower.read(opening)
    same_turn(web, wechat)
    assert any(m.get("citations") for m in web) and "出处：" in wechat

    web, wechat = talk.send("那我能申请援助吗"), follower.read("那我能申请援助吗")
    same_turn(web, wechat)
    for _ in range(len(TYPED)):
        slot = asked(web)
        if slot is None:
            break
        web, wechat = talk.send(TYPED[slot]), follower.read(TYPED[slot])
        same_turn(web, wechat)
    assert custom(web, "eligibility_result") is not None
    assert "援助" in wechat


def test_a_number_answers_as_the_button_does(talk: Conversation, follower: WeChatPerson) -> None:
    web, wechat = talk.send("援助资格自测"), follower.read("援助资格自测")
    same_turn(web, wechat)
    for _ in range(8):
        buttons = [b for m in web for b in m.get("buttons", [])]
        if custom(web, "eligibility_result") is not None or not buttons:
            break
        assert CHOOSE_PROMPT in wechat and f"1. {buttons[0]['title']}" in wechat
        # The first option every time: 被别人侵权, 专利, 个人, 是, 是，有困难.
        web, wechat = talk.send(buttons[0]["payload"]), follower.read("1")
        same_turn(web, wechat)
    result = custom(web, "eligibility_result")
    assert result is not None
    assert result["result"]["financial_assistance"] == "eligible"
