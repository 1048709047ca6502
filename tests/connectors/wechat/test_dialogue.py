"""Events, menu clicks, voice and media, numbered options and the transfer to 人工客服."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from connectors.console.keys import UNANSWERED
from connectors.wechat.dialogue import TEXT_ONLY, VOICE_UNCLEAR, WELCOME
from tests.connectors.wechat.conftest import (
    OPENID,
    RASA_TOKEN,
    FakeWeChatApi,
    MakeGateway,
    TrackerRasa,
    WeChatPush,
    channel,
    event_xml,
    eventually,
    media_xml,
)

GREETING: list[dict[str, Any]] = [
    {
        "text": "您好！请问需要什么帮助？",
        "buttons": [
            {"title": "援助资格自测", "payload": "/check_eligibility"},
            {"title": "申请援助", "payload": "/apply_assistance"},
            {"title": "人工服务", "payload": "/ask_human"},
        ],
    }
]
HANDOFF: list[dict[str, Any]] = [
    {"text": "好的，为您转人工。请拨打热线：12345。"},
    {"custom": {"type": "handoff", "reason": "requested", "hotline": "12345"}},
]


def scripted(sender: str, text: str) -> list[dict[str, Any]]:
    if text == "你好":
        return [dict(m, recipient_id=sender) for m in GREETING]
    if text in ("/ask_human", "转人工"):
        return [dict(m, recipient_id=sender) for m in HANDOFF]
    return [{"recipient_id": sender, "text": f"收到：{text}"}]


async def test_subscribe_gets_the_welcome_without_rasa(
    make_gateway: MakeGateway, rasa: TrackerRasa
) -> None:
    client = await make_gateway()
    reply = await WeChatPush(client).push(event_xml("subscribe"))
    assert reply.content == WELCOME
    for ability in ("政策咨询", "援助资格自测", "申请援助", "查询进度", "转人工"):
        assert ability in reply.content
    assert rasa.received == []


async def test_unsubscribe_erases_the_conversation_everywhere(
    make_gateway: MakeGateway, rasa: TrackerRasa
) -> None:
    rasa.reply = scripted
    client = await make_gateway()
    push = WeChatPush(client)
    await push.text("你好", 1)  # options remembered for this person
    assert channel(client).memory.knows(OPENID)
    created = int(time.time())
    first = await push.push(event_xml("unsubscribe", create_time=created))
    again = await push.push(event_xml("unsubscribe", create_time=created))  # WeChat's retry
    assert first.is_success and again.is_success
    assert rasa.replaced == [(f"wx:{OPENID}", [], RASA_TOKEN)]  # once: events are deduplicated
    assert not channel(client).memory.knows(OPENID)
    # Options are forgotten: "2" is now just text.
    await push.text("2", 2)
    assert rasa.received[-1]["message"] == "2"


async def test_typing_the_erase_request_erases_the_conversation_and_says_so(
    make_gateway: MakeGateway, rasa: TrackerRasa
) -> None:
    rasa.reply = scripted
    client = await make_gateway()
    push = WeChatPush(client)
    await push.text("你好", 1)  # options remembered for this person
    client.app[UNANSWERED].record(f"wx:{OPENID}", "我的专利被仿了")
    reply = await push.text("删除我的信息", 2)
    assert "已删除您在本次对话中的全部记录" in reply.content
    assert rasa.replaced == [(f"wx:{OPENID}", [], RASA_TOKEN)]
    assert [body["message"] for body in rasa.received] == ["你好"]  # the request never reached Rasa
    assert not channel(client).memory.knows(OPENID)
    assert client.app[UNANSWERED].recent(10) == []


async def test_failed_erase_is_logged_not_fatal(
    make_gateway: MakeGateway, rasa: TrackerRasa, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="connectors")
    rasa.api_token = "another-token"  # Rasa started with a different --auth-token
    client = await make_gateway()
    reply = await WeChatPush(client).push(event_xml("unsubscribe"))
    assert reply.is_success
    assert "NOT erased" in caplog.text
    assert "HTTP 401" in caplog.text


@pytest.mark.parametrize(
    ("key", "sent"),
    [
        ("ELIGIBILITY", "/check_eligibility"),
        ("APPLY", "/apply_assistance"),
        ("HUMAN", "/ask_human"),
    ],
)
async def test_menu_clicks_send_their_intent(
    make_gateway: MakeGateway, rasa: TrackerRasa, key: str, sent: str
) -> None:
    client = await make_gateway()
    await WeChatPush(client).push(event_xml("CLICK", key))
    assert rasa.received == [
        {"sender": f"wx:{OPENID}", "message": sent, "metadata": {"channel": "wechat"}}
    ]


async def test_policy_click_asks_for_the_question_without_rasa(
    make_gateway: MakeGateway, rasa: TrackerRasa
) -> None:
    client = await make_gateway()
    push = WeChatPush(client)
    reply = await push.push(event_xml("CLICK", "POLICY"))
    assert "请直接输入您想咨询的问题" in reply.content
    assert (await push.push(event_xml("CLICK", "NO_SUCH_KEY"))).is_success
    assert (await push.push(event_xml("VIEW", "https://example.org"))).is_success
    assert rasa.received == []


async def test_voice_recognition_is_text(make_gateway: MakeGateway, rasa: TrackerRasa) -> None:
    client = await make_gateway()
    push = WeChatPush(client)
    voice = "<MediaId><![CDATA[m1]]></MediaId><Format><![CDATA[amr]]></Format>"
    reply = await push.push(
        media_xml("voice", 1, voice + "<Recognition><![CDATA[专利被侵权了。]]></Recognition>")
    )
    assert reply.content == "收到：专利被侵权了。"
    assert rasa.received[0]["message"] == "专利被侵权了。"
    empty = await push.push(
        media_xml("voice", 2, voice + "<Recognition><![CDATA[]]></Recognition>")
    )
    assert empty.content == VOICE_UNCLEAR
    no_field = await push.push(media_xml("voice", 3, voice))
    assert no_field.content == VOICE_UNCLEAR
    assert len(rasa.received) == 1


@pytest.mark.parametrize(
    "msg_type", ["image", "location", "link", "video", "shortvideo", "file", "miniprogrampage"]
)
async def test_media_gets_a_polite_request_for_text(
    make_gateway: MakeGateway, rasa: TrackerRasa, msg_type: str
) -> None:
    client = await make_gateway()
    reply = await WeChatPush(client).push(media_xml(msg_type, 1, "<PicUrl>x</PicUrl>"))
    assert reply.content == TEXT_ONLY
    assert "请直接输入文字问题" in reply.content
    assert rasa.received == []


async def test_numbered_options_and_a_number_reply_sends_the_payload(
    make_gateway: MakeGateway, rasa: TrackerRasa
) -> None:
    rasa.reply = scripted
    client = await make_gateway()
    push = WeChatPush(client)
    reply = await push.text("你好", 1)
    assert reply.content.endswith("回复数字即可选择：\n1. 援助资格自测\n2. 申请援助\n3. 人工服务")
    await push.text(" ２ ", 2)  # full-width, as a Chinese input method types it
    assert rasa.received[-1]["message"] == "/apply_assistance"
    await push.text("2", 3)  # the last answer offered no options: "2" is text
    assert rasa.received[-1]["message"] == "2"
    await push.text("你好", 4)
    await push.text("4", 5)  # out of range: text
    assert rasa.received[-1]["message"] == "4"


async def test_handoff_sends_the_text_then_transfers(
    make_gateway: MakeGateway, rasa: TrackerRasa, wechat_api: FakeWeChatApi
) -> None:
    rasa.reply = scripted
    client = await make_gateway()
    reply = await WeChatPush(client).push(event_xml("CLICK", "HUMAN"))
    assert reply.fields["MsgType"] == "transfer_customer_service"
    assert (reply.fields["ToUserName"], reply.fields["FromUserName"]) == (OPENID, "gh_0123456789ab")
    # The text went out by 客服消息 before the transfer was answered.
    assert wechat_api.texts() == ["好的，为您转人工。请拨打热线：12345。"]


async def test_late_handoff_transfers_the_next_message(
    make_gateway: MakeGateway, rasa: TrackerRasa, wechat_api: FakeWeChatApi
) -> None:
    rasa.reply = scripted
    rasa.delay = 0.3
    client = await make_gateway(rasa_read_timeout=2, WECHAT_REPLY_TIMEOUT="0.1")
    push = WeChatPush(client)
    assert (await push.text("转人工", 1)).is_success
    await eventually(lambda: bool(wechat_api.sent))
    assert wechat_api.texts() == ["好的，为您转人工。请拨打热线：12345。"]
    rasa.delay = 0
    reply = await push.text("我的专利被抄了", 2)
    assert reply.fields["MsgType"] == "transfer_customer_service"
    assert [r["message"] for r in rasa.received] == ["转人工"]  # the person goes to staff


async def test_markdown_and_citations_in_a_reply(
    make_gateway: MakeGateway, rasa: TrackerRasa
) -> None:
    citation = {
        "title": "实施意见",
        "doc_number": "枣市监中心字〔2020〕42号",
        "section": "四（二）3",
    }
    rasa.reply = lambda sender, text: [
        {"recipient_id": sender, "text": "**可以**申请，详见[指南](https://example.org/g)。"},
        {"recipient_id": sender, "custom": {"type": "citations", "citations": [citation]}},
    ]
    client = await make_gateway()
    reply = await WeChatPush(client).text("能申请吗", 1)
    assert reply.content == (
        "可以申请，详见指南（https://example.org/g）。\n出处：《实施意见》枣市监中心字〔2020〕42号 四（二）3"
    )


async def test_message_over_the_gateway_limit_is_not_sent_to_rasa(
    make_gateway: MakeGateway, rasa: TrackerRasa
) -> None:
    client = await make_gateway()
    reply = await WeChatPush(client).text("长" * 2001, 1)
    assert reply.content == "消息太长了，请控制在 2000 字以内。"
    assert rasa.received == []


async def test_questions_without_an_answer_reach_the_consoles_list(
    make_gateway: MakeGateway, rasa: TrackerRasa
) -> None:
    # What actions/policy.py `_no_basis` sends, as Rasa's REST channel splits it.
    no_basis = [
        {
            "text": "抱歉，现有的政策文件里没有能回答这个问题的内容。需要转人工吗？",
            "buttons": [
                {"title": "转人工", "payload": "/ask_human"},
                {"title": "不用了", "payload": "/deny"},
            ],
        },
        {"custom": {"type": "no_answer", "reason": "low_confidence"}},
    ]
    rasa.reply = lambda sender, text: (
        [dict(m, recipient_id=sender) for m in no_basis]
        if text.startswith("能")
        else scripted(sender, text)
    )
    client = await make_gateway()
    push = WeChatPush(client)
    reply = await push.text("能报销去外地打官司的路费吗？电话13812345678", 1)
    assert "1. 转人工" in reply.content
    await push.text("1", 2)  # the 转人工 option: a button press, not a question
    await push.text("你好", 3)  # answered: not listed
    recorded = client.app[UNANSWERED].recent(10)
    assert [(u.conversation, u.question) for u in recorded] == [
        (f"wx:{OPENID}", "能报销去外地打官司的路费吗？电话138****5678")
    ]
    assert rasa.received[1]["message"] == "/ask_human"
