"""Folding Rasa's REST output into the chat API's messages."""

from __future__ import annotations

from typing import Any, cast

import pytest

from connectors.messages import RasaMessage, to_chat_messages

BUSY = "系统繁忙，请稍后再试。"
CITATION = {
    "doc_id": "004",
    "title": "实施意见",
    "doc_number": "枣市监中心字〔2020〕42号",
    "section": "四（二）3",
}


def convert(*elements: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(m) for m in to_chat_messages(cast(list[RasaMessage], list(elements)), BUSY)]


def test_texts_become_messages_without_recipient_id() -> None:
    assert convert(
        {"recipient_id": "web:x", "text": "您好"},
        {"recipient_id": "web:x", "text": "请问您是个人还是企业？"},
    ) == [{"text": "您好"}, {"text": "请问您是个人还是企业？"}]


def test_buttons_keep_title_and_payload_only() -> None:
    buttons = [
        {"title": "个人", "payload": '/inform{"applicant_type":"individual"}', "type": "postback"}
    ]
    assert convert({"recipient_id": "x", "text": "您是？", "buttons": buttons}) == [
        {
            "text": "您是？",
            "buttons": [{"title": "个人", "payload": '/inform{"applicant_type":"individual"}'}],
        }
    ]


def test_malformed_buttons_are_dropped() -> None:
    buttons = [{"title": "好"}, "坏", {"title": "可以", "payload": "/affirm"}]
    assert convert({"text": "确认吗？", "buttons": buttons}) == [
        {"text": "确认吗？", "buttons": [{"title": "可以", "payload": "/affirm"}]}
    ]
    assert convert({"text": "确认吗？", "buttons": "not a list"}) == [{"text": "确认吗？"}]


def test_custom_attaches_to_preceding_text() -> None:
    question = {"type": "form_question", "slot": "ip_type"}
    assert convert({"text": "是哪类知识产权？"}, {"recipient_id": "x", "custom": question}) == [
        {"text": "是哪类知识产权？", "custom": question}
    ]


def test_citations_fill_the_citations_field_not_custom() -> None:
    result = convert(
        {"text": "可以申请援助。"}, {"custom": {"type": "citations", "citations": [CITATION]}}
    )
    assert result == [{"text": "可以申请援助。", "citations": [CITATION]}]


def test_citations_and_custom_share_one_message() -> None:
    outcome = {"type": "eligibility_result", "result": {"consultation": True}}
    result = convert(
        {"text": "您可以获得咨询服务。"},
        {"custom": {"type": "citations", "citations": [CITATION]}},
        {"custom": outcome},
    )
    assert result == [{"text": "您可以获得咨询服务。", "citations": [CITATION], "custom": outcome}]


def test_second_custom_becomes_its_own_message() -> None:
    first = {"type": "form_question", "slot": "ip_type"}
    second = {"type": "handoff", "reason": "ask_human"}
    assert convert({"text": "好的"}, {"custom": first}, {"custom": second}) == [
        {"text": "好的", "custom": first},
        {"text": "", "custom": second},
    ]


def test_stray_custom_without_text_gets_empty_text() -> None:
    handoff = {"type": "handoff", "queue": "hotline"}
    assert convert({"custom": handoff}, {"text": "正在为您转接人工。"}) == [
        {"text": "", "custom": handoff},
        {"text": "正在为您转接人工。"},
    ]


def test_each_text_takes_the_custom_that_follows_it() -> None:
    q1 = {"type": "form_question", "slot": "applicant_type"}
    assert convert({"text": "答案"}, {"text": "下一个问题"}, {"custom": q1}) == [
        {"text": "答案"},
        {"text": "下一个问题", "custom": q1},
    ]


@pytest.mark.parametrize(
    "payload",
    [{"type": "citations", "citations": "not a list"}, {"type": "citations", "citations": ["x"]}],
)
def test_malformed_citations_are_kept_as_custom(payload: dict[str, Any]) -> None:
    assert convert({"text": "答案"}, {"custom": payload}) == [{"text": "答案", "custom": payload}]


def test_empty_citations_add_nothing() -> None:
    assert convert({"text": "答案"}, {"custom": {"type": "citations", "citations": []}}) == [
        {"text": "答案"}
    ]


def test_non_object_custom_is_wrapped_not_lost() -> None:
    assert convert({"text": "答案"}, {"custom": ["a", 1]}) == [
        {"text": "答案", "custom": {"type": "unknown", "data": ["a", 1]}}
    ]


def test_image_becomes_a_custom_payload() -> None:
    assert convert({"text": "流程图："}, {"image": "https://example.org/flow.png"}) == [
        {"text": "流程图：", "custom": {"type": "image", "url": "https://example.org/flow.png"}}
    ]


@pytest.mark.parametrize("elements", [[], [{"recipient_id": "x"}], [{"text": None}]])
def test_nothing_to_say_becomes_the_busy_text(elements: list[dict[str, Any]]) -> None:
    assert convert(*elements) == [{"text": BUSY}]
