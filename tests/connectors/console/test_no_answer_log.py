"""Storing an unanswered question logs who asked only in masked form.

An OpenID names one person across every message they send the account, so
the log shows it as the WeChat channel's own lines do (`wx:oT***defg`): an
operator can still follow the person's turn from the channel's lines to the
console's, and nobody can look the person up.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from connectors.console.db import ConsoleDatabase
from connectors.console.keys import UNANSWERED
from connectors.console.no_answer import UnansweredRecorder
from connectors.console.unanswered import UnansweredStore
from connectors.observers import Turn
from connectors.wechat.inbound import Inbound

# The reply of actions/policy.py `_no_basis` through Rasa's REST channel.
NO_BASIS: list[dict[str, Any]] = [
    {
        "text": "抱歉，现有的政策文件里没有能回答这个问题的内容。需要转人工吗？",
        "buttons": [
            {"title": "转人工", "payload": "/ask_human"},
            {"title": "不用了", "payload": "/deny"},
        ],
    }
]
OPENID = "oTestOpenId0123456789abcdefg"
WEB_KEY = "Qm9ndXMtc2Vzc2lvbi1rZXkx"  # the random part of a web session id


@pytest.fixture
def recorder(tmp_path: Path) -> UnansweredRecorder:
    app = web.Application()
    app[UNANSWERED] = UnansweredStore(ConsoleDatabase(tmp_path / "console.db"))
    return UnansweredRecorder(app)


async def _record(recorder: UnansweredRecorder, channel: str, sender: str) -> None:
    await recorder(Turn(channel, sender, "商标在国外被抢注怎么办", NO_BASIS))


async def test_a_wechat_question_is_logged_with_the_openid_masked(
    recorder: UnansweredRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="connectors")
    await _record(recorder, "wechat", f"wx:{OPENID}")
    lines = [r.getMessage() for r in caplog.records if "unanswered" in r.getMessage()]
    assert len(lines) == 1
    assert OPENID not in caplog.text
    assert OPENID[2:-4] not in caplog.text
    # The same form as the channel's own lines about this person.
    channel_form = Inbound.from_fields(
        {
            "ToUserName": "gh_0",
            "FromUserName": OPENID,
            "CreateTime": "1800000000",
            "MsgType": "text",
            "MsgId": "1",
        }
    ).who
    assert f"wx:{channel_form}" in lines[0]


async def test_a_web_question_is_logged_without_its_session_key(
    recorder: UnansweredRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="connectors")
    await _record(recorder, "web", f"web:{WEB_KEY}")
    assert "unanswered question stored" in caplog.text
    assert WEB_KEY not in caplog.text
    assert "web:" in caplog.text
