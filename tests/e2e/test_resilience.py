"""Bad input, a Rasa restart, an action server outage: a clear answer, nothing lost."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.e2e.conftest import Conversation
from tests.e2e.processes import Stack

pytestmark = pytest.mark.slow


def post(stack: Stack, body: bytes) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(
        f"{stack.gateway}/api/v1/chat", data=body, headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


@pytest.mark.parametrize(
    "text", ["😀😀😀", "How can I protect my patent in China?", "\x00\ud7ff随机\ufffd字节"]
)
def test_odd_input_gets_a_polite_reply(talk: Conversation, text: str) -> None:
    messages = talk.send(text)
    reply = "".join(m.get("text", "") for m in messages)
    assert reply and "None" not in reply


@pytest.mark.parametrize(("text", "status"), [("", 400), ("   ", 400), ("专" * 5000, 413)])
def test_empty_or_huge_input_is_refused_with_a_message(
    stack: Stack, text: str, status: int
) -> None:
    code, payload = post(stack, json.dumps({"text": text}).encode())
    assert code == status
    assert isinstance(payload.get("message"), str) and payload["message"]


def test_a_rasa_restart_loses_nothing(stack: Stack, talk: Conversation) -> None:
    talk.send("援助资格自测")
    talk.send("商标在展会上被人仿冒了")
    before = talk.slots()
    assert before["issue_type"] == "exhibition" and before["ip_type"] == "trademark"
    stack.stop("rasa")
    stack.start("rasa")
    after = talk.slots()
    assert after["issue_type"] == "exhibition" and after["ip_type"] == "trademark"
    messages = talk.send("我们是小公司")
    assert any((m.get("custom") or {}).get("slot") == "in_region" for m in messages)


def test_action_server_down_then_back(stack: Stack, talk: Conversation) -> None:
    stack.stop("actions")
    try:
        messages = talk.send("电商平台上的专利侵权怎么处理")
        reply = "".join(m.get("text", "") for m in messages)
        assert reply and "None" not in reply  # never silence, never "None"
    finally:
        stack.start("actions")
    messages = talk.send("电商平台上的专利侵权怎么处理")
    assert any(m.get("citations") for m in messages)
