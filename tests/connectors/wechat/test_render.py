"""Chat messages as one WeChat text: sources, numbered options, handoff, never silence."""

from __future__ import annotations

from typing import Any

from connectors.messages import ChatMessage
from connectors.wechat.render import render

BUSY = "系统繁忙，请稍后再试。"
CITATION = {
    "doc_id": "004",
    "title": "关于贯彻落实《指导意见》的实施意见",
    "doc_number": "枣市监中心字〔2020〕42号",
    "section": "第四部分（二）3",
    "text": "原文……",
}


def test_text_with_citations_and_buttons() -> None:
    messages: list[ChatMessage] = [
        {
            "text": "**可以**申请援助。",
            "citations": [CITATION, CITATION, {"title": "《另一文件》"}],  # type: ignore[list-item]
            "buttons": [
                {"title": "援助资格自测", "payload": "/check_eligibility"},
                {"title": "申请援助", "payload": "/apply_assistance"},
            ],
        },
        {"text": "还有问题吗？", "buttons": [{"title": "转人工", "payload": "/ask_human"}]},
    ]
    answer = render(messages, BUSY)
    assert answer.text == (
        "可以申请援助。\n"
        "出处：《关于贯彻落实《指导意见》的实施意见》枣市监中心字〔2020〕42号 第四部分（二）3\n"
        "出处：《另一文件》\n"
        "回复数字即可选择：\n"
        "1. 援助资格自测\n"
        "2. 申请援助\n\n"
        "还有问题吗？\n"
        "回复数字即可选择：\n"
        "3. 转人工"
    )
    assert [b["payload"] for b in answer.buttons] == [
        "/check_eligibility",
        "/apply_assistance",
        "/ask_human",
    ]
    assert not answer.handoff


def test_malformed_citation_fields_are_skipped() -> None:
    bad: Any = {"title": 5, "doc_number": ["x"], "section": "三"}
    assert render([{"text": "答", "citations": [bad]}], BUSY).text == "答\n出处：三"


def test_handoff_payload_sets_the_flag() -> None:
    answer = render(
        [{"text": "好的，为您转人工。", "custom": {"type": "handoff", "reason": "requested"}}], BUSY
    )
    assert (answer.text, answer.handoff) == ("好的，为您转人工。", True)
    assert render([{"text": "", "custom": {"type": "handoff"}}], BUSY).text == ""


def test_nothing_to_read_becomes_the_busy_text() -> None:
    assert render([], BUSY).text == BUSY
    assert render([{"text": "", "custom": {"type": "form_question"}}], BUSY).text == BUSY
    assert render([{"text": "  \x1d "}], BUSY).text == BUSY
