"""The terminal chat: button numbers, citations, a gateway that is down, a real round trip."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from connectors.chat_cli import (
    ChatClient,
    ChatUnavailable,
    format_citation,
    main,
    render,
    resolve_input,
    run,
)
from connectors.messages import Button, ChatMessage
from tests.connectors.conftest import FakeRasa

BUTTONS: list[Button] = [
    {"title": "个人", "payload": '/inform{"applicant_type":"individual"}'},
    {"title": "企业", "payload": '/inform{"applicant_type":"micro_small_enterprise"}'},
]


class Script:
    """Feeds lines to `run` as if typed, then Ctrl-D; collects what it prints."""

    def __init__(self, *lines: str, end: type[BaseException] = EOFError) -> None:
        self.lines = list(lines)
        self.end = end
        self.printed: list[str] = []

    def read(self, prompt: str) -> str:
        if not self.lines:
            raise self.end
        return self.lines.pop(0)

    def write(self, text: str) -> None:
        self.printed.append(text)


@pytest.mark.parametrize(
    ("line", "sent"),
    [
        ("1", BUTTONS[0]["payload"]),
        (" 2 ", BUTTONS[1]["payload"]),
        ("3", "3"),
        ("0", "0"),
        ("专利", "专利"),
        ("２", BUTTONS[1]["payload"]),  # full-width input method
        ("²", "²"),  # a digit, but not a number int() reads
    ],
)
def test_button_numbers_send_payloads(line: str, sent: str) -> None:
    assert resolve_input(line, BUTTONS) == sent


def test_numbers_without_buttons_are_text() -> None:
    assert resolve_input("1", []) == "1"


def test_render_numbers_buttons_across_messages_and_cites() -> None:
    messages: list[ChatMessage] = [
        {
            "text": "可以申请。",
            "citations": [
                {
                    "title": "实施意见",
                    "doc_number": "枣市监中心字〔2020〕42号",
                    "section": "四（二）3",
                }
            ],
        },
        {"text": "您是？", "buttons": BUTTONS[:1]},
        {
            "text": "",
            "buttons": BUTTONS[1:],
            "custom": {"type": "form_question", "slot": "applicant_type"},
        },
    ]
    lines, buttons = render(messages)
    assert lines == [
        "助手：可以申请。",
        "  依据：《实施意见》枣市监中心字〔2020〕42号 四（二）3",
        "助手：您是？",
        "  [1] 个人",
        "  [2] 企业",
    ]
    assert buttons == BUTTONS


def test_citation_with_missing_fields() -> None:
    assert format_citation({"title": "《指导意见》"}) == "《指导意见》"
    assert (
        format_citation({"doc_number": "国知发〔2020〕1号", "section": "三"})
        == "国知发〔2020〕1号 三"
    )


@pytest.mark.parametrize("end", [EOFError, KeyboardInterrupt])
def test_down_gateway_gives_one_line_then_exits_cleanly(
    absent_rasa_url: str, end: type[BaseException]
) -> None:
    script = Script("你好", end=end)
    assert run(ChatClient(absent_rasa_url, timeout=2), script.read, script.write) == 0
    assert script.printed[1] == f"连接不上助手服务（{absent_rasa_url}），请确认它已启动。"
    assert script.printed[-1].strip() == "再见。"
    assert len(script.printed) == 3


def test_non_http_url_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--url", "ftp://example.org"])
    assert caught.value.code == 2
    assert "http://" in capsys.readouterr().err


async def test_round_trip_keeps_session_and_presses_buttons(
    gateway: TestClient[web.Request, web.Application], fake_rasa: FakeRasa
) -> None:
    def reply(sender: str, text: str) -> list[dict[str, Any]]:
        if text.startswith("/"):
            return [{"recipient_id": sender, "text": f"已选择 {text}"}]
        return [{"recipient_id": sender, "text": "您是个人还是企业？", "buttons": BUTTONS}]

    fake_rasa.reply = reply
    client = ChatClient(str(gateway.make_url("")))
    script = Script("我想申请援助", "2", "")
    assert await asyncio.to_thread(run, client, script.read, script.write) == 0
    assert "  [2] 企业" in script.printed
    assert f"助手：已选择 {BUTTONS[1]['payload']}" in script.printed
    assert len({r["sender"] for r in fake_rasa.received}) == 1  # one conversation throughout
    assert client.session_id is not None


async def test_refusal_shows_the_gateways_message(
    gateway: TestClient[web.Request, web.Application],
) -> None:
    client = ChatClient(str(gateway.make_url("")))
    with pytest.raises(ChatUnavailable, match="消息太长了"):
        await asyncio.to_thread(client.send, "字" * 2001)
