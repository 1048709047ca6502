"""The channel's behaviour end to end: 5-second rule, retries, long answers, 客服消息.

The real gateway runs with a fake Rasa and a fake WeChat API on loopback;
timeouts are shortened through the settings (WECHAT_REPLY_TIMEOUT) except in
the one test that checks the production default against a 7-second Rasa.
"""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from aiohttp.test_utils import TestServer

from connectors.sessions import ConversationLocks
from connectors.typedefs import LOCKS
from connectors.wechat.plaintext import split_text, utf8_len
from tests.connectors.conftest import free_port
from tests.connectors.wechat.conftest import (
    OPENID,
    FakeWeChatApi,
    MakeGateway,
    TrackerRasa,
    WeChatPush,
    channel,
    eventually,
    fake_api_app,
    openid,
)

LONG = "".join(f"第{i:03d}条：符合条件的专利权人可以申请维权援助。" for i in range(75))


def long_answer(sender: str, text: str) -> list[dict[str, str]]:
    return [{"recipient_id": sender, "text": LONG if text.startswith("长") else f"收到：{text}"}]


async def queued(locks: ConversationLocks, key: str, count: int) -> None:
    """Wait until `count` turns of conversation `key` hold or wait for its lock."""
    async with asyncio.timeout(1):
        while locks.pending(key) != count:
            await asyncio.sleep(0.002)


def squeeze(text: str) -> str:
    return "".join(text.split())


async def test_long_answer_first_part_passive_rest_by_custom_service(
    make_gateway: MakeGateway, rasa: TrackerRasa, wechat_api: FakeWeChatApi
) -> None:
    assert utf8_len(LONG) > 3000
    rasa.reply = long_answer
    client = await make_gateway()
    reply = await WeChatPush(client).text("长答案", 1)
    assert 0 < utf8_len(reply.content) <= 2000
    assert reply.content.endswith("。")  # cut at a sentence
    await eventually(lambda: squeeze(reply.content + "".join(wechat_api.texts())) == squeeze(LONG))
    assert all(utf8_len(t) <= 2000 for t in wechat_api.texts())
    assert wechat_api.token_fetches == 1
    assert len(rasa.received) == 1


async def test_rasa_taking_7_seconds_with_default_timeout(
    make_gateway: MakeGateway, rasa: TrackerRasa, wechat_api: FakeWeChatApi
) -> None:
    rasa.delay = 7.0
    client = await make_gateway(rasa_read_timeout=10, WECHAT_REPLY_TIMEOUT="4.0")
    push = WeChatPush(client)
    started = time.monotonic()
    first = await push.text("慢问题", 1)
    elapsed = time.monotonic() - started
    assert first.is_success
    assert 3.9 <= elapsed <= 4.5
    # WeChat's retry arrives while Rasa still thinks: `success` at once, no second turn.
    retry_started = time.monotonic()
    assert (await push.text("慢问题", 1)).is_success
    assert time.monotonic() - retry_started < 0.5
    await eventually(lambda: bool(wechat_api.sent), timeout=4)
    assert wechat_api.texts() == ["收到：慢问题"]
    assert len(rasa.received) == 1


async def test_slow_answer_by_custom_service_and_retries_share_the_turn(
    make_gateway: MakeGateway, rasa: TrackerRasa, wechat_api: FakeWeChatApi
) -> None:
    rasa.delay = 0.6
    client = await make_gateway(rasa_read_timeout=2, WECHAT_REPLY_TIMEOUT="0.2")
    push = WeChatPush(client)
    replies = await asyncio.gather(*(push.text("慢问题", 7) for _ in range(3)))
    assert all(r.is_success for r in replies)
    await eventually(lambda: bool(wechat_api.sent))
    await asyncio.sleep(0.1)
    assert (await push.text("慢问题", 7)).is_success  # a late retry: still one turn
    assert wechat_api.texts() == ["收到：慢问题"]
    assert len(rasa.received) == 1


async def test_same_msgid_three_times_is_one_turn(
    make_gateway: MakeGateway, rasa: TrackerRasa, wechat_api: FakeWeChatApi
) -> None:
    rasa.delay = 0.2
    client = await make_gateway()
    push = WeChatPush(client)
    # Three copies while Rasa is still thinking: they share the one answer.
    replies = await asyncio.gather(*(push.text("问题", 42) for _ in range(3)))
    assert [r.content for r in replies] == ["收到：问题"] * 3
    # A copy after the answer went out (WeChat did not get it): the same reply again.
    again = await push.text("问题", 42)
    assert again.content == "收到：问题"
    assert [r["message"] for r in rasa.received] == ["问题"]
    # Another MsgId, or another person with the same MsgId, is another message.
    await push.text("问题", 43)
    await push.text("问题", 42, sender=openid(2))
    assert len(rasa.received) == 3
    assert wechat_api.sent == []


async def test_one_persons_messages_reach_rasa_one_at_a_time_in_order(
    make_gateway: MakeGateway, rasa: TrackerRasa
) -> None:
    rasa.delay = 0.05
    client = await make_gateway()
    push = WeChatPush(client)
    locks = client.app[LOCKS]
    tasks = []
    for i in range(4):
        tasks.append(asyncio.create_task(push.text(f"消息{i}", 100 + i)))
        await queued(locks, f"wx:{OPENID}", i + 1)
    replies = await asyncio.gather(*tasks)
    assert [r["message"] for r in rasa.received] == [f"消息{i}" for i in range(4)]
    assert rasa.max_in_flight == 1
    assert [r.content for r in replies] == [f"收到：消息{i}" for i in range(4)]
    assert len(locks) == 0


async def test_twenty_concurrent_at_token_expiry_fetch_one_token(
    make_gateway: MakeGateway, rasa: TrackerRasa, wechat_api: FakeWeChatApi
) -> None:
    rasa.reply = long_answer
    wechat_api.token_delay = 0.2  # every sender needs the token while it is being fetched
    client = await make_gateway()
    push = WeChatPush(client)

    by_api = len(split_text(LONG, 2000)) - 1

    async def round_of_twenty(first_id: int, rounds: int) -> None:
        replies = await asyncio.gather(
            *(push.text("长答案", first_id + n, sender=openid(n)) for n in range(20))
        )
        assert all(utf8_len(r.content) <= 2000 for r in replies)
        await eventually(
            lambda: all(len(wechat_api.texts(openid(n))) == rounds * by_api for n in range(20))
        )

    await round_of_twenty(1000, rounds=1)
    assert wechat_api.token_fetches == 1
    tokens = channel(client).tokens
    tokens.clock = lambda: time.monotonic() + 7200  # the token has expired
    await round_of_twenty(2000, rounds=2)
    assert wechat_api.token_fetches == 2
    assert wechat_api.refused == []


async def test_final_errcode_keeps_the_answer_for_the_next_passive_reply(
    make_gateway: MakeGateway, rasa: TrackerRasa, wechat_api: FakeWeChatApi
) -> None:
    rasa.delay = 0.4
    wechat_api.send_errcodes = [45015]
    client = await make_gateway(rasa_read_timeout=2, WECHAT_REPLY_TIMEOUT="0.1")
    push = WeChatPush(client)
    assert (await push.text("第一问", 1)).is_success
    await eventually(lambda: bool(wechat_api.refused))
    assert [(code, body["text"]["content"]) for code, body in wechat_api.refused] == [
        (45015, "收到：第一问")
    ]  # final: not retried
    assert wechat_api.sent == []
    rasa.delay = 0
    reply = await push.text("第二问", 2)
    assert reply.content == "收到：第一问\n\n收到：第二问"
    assert channel(client).memory.take_undelivered(OPENID) == []  # handed over once


async def test_too_many_messages_errcode_is_final_too(
    make_gateway: MakeGateway, rasa: TrackerRasa, wechat_api: FakeWeChatApi
) -> None:
    rasa.reply = long_answer
    wechat_api.send_errcodes = [0, 45047]
    client = await make_gateway()
    push = WeChatPush(client)
    first = await push.text("长答案", 1)
    await eventually(lambda: bool(wechat_api.refused))
    assert len(wechat_api.sent) == 1 and len(wechat_api.refused) == 1
    second = await push.text("好的", 2)
    # What the person reads, in order: passive, the one part sent, then (kept and
    # prepended) the rest with the new answer.
    received = (
        first.content + wechat_api.texts()[0] + second.content + "".join(wechat_api.texts()[1:])
    )
    assert squeeze(received) == squeeze(LONG + "收到：好的")


async def test_transient_api_errors_are_retried(
    make_gateway: MakeGateway, rasa: TrackerRasa, wechat_api: FakeWeChatApi
) -> None:
    rasa.delay = 0.3
    wechat_api.send_errcodes = [-1]  # 系统繁忙
    client = await make_gateway(rasa_read_timeout=2, WECHAT_REPLY_TIMEOUT="0.1")
    assert (await WeChatPush(client).text("问", 1)).is_success
    await eventually(lambda: bool(wechat_api.sent))
    assert wechat_api.texts() == ["收到：问"]
    assert [code for code, _ in wechat_api.refused] == [-1]


async def test_rejected_token_is_refetched_once(
    make_gateway: MakeGateway, rasa: TrackerRasa, wechat_api: FakeWeChatApi
) -> None:
    rasa.reply = long_answer
    client = await make_gateway()
    push = WeChatPush(client)
    by_api = len(split_text(LONG, 2000)) - 1
    await push.text("长答案", 1)
    await eventually(lambda: len(wechat_api.sent) == by_api)
    wechat_api.tokens.append("ROTATED_ELSEWHERE")  # another client fetched: ours is invalid
    await push.text("长答案", 2)
    await eventually(lambda: len(wechat_api.sent) == 2 * by_api)
    assert [code for code, _ in wechat_api.refused] == [40001]  # then sent with a new token
    assert wechat_api.token_fetches == 2


async def test_gateway_serves_while_the_api_is_down_and_catches_up(
    make_gateway: MakeGateway, rasa: TrackerRasa, caplog: pytest.LogCaptureFixture
) -> None:
    rasa.reply = long_answer
    port = free_port()
    client = await make_gateway(api_url=f"http://127.0.0.1:{port}")
    assert (await client.get("/health")).status == 200
    push = WeChatPush(client)
    assert (await push.text("你好", 1)).content == "收到：你好"
    first = await push.text("长答案", 2)  # the rest cannot be sent: kept
    await eventually(lambda: channel(client).memory.knows(OPENID))
    assert "kept" in caplog.text
    api = FakeWeChatApi()
    server = TestServer(fake_api_app(api), host="127.0.0.1", port=port)
    await server.start_server()
    try:
        channel(client).tokens.clock = lambda: time.monotonic() + 60  # past the backoff
        second = await push.text("好的", 3)
        await eventually(lambda: bool(api.sent))
        received = first.content + second.content + "".join(api.texts())
        assert squeeze(received) == squeeze(LONG + "收到：好的")
        assert api.token_fetches == 1
    finally:
        await server.close()


async def test_rasa_down_gives_the_busy_text(make_gateway: MakeGateway, rasa: TrackerRasa) -> None:
    rasa.mode = "error"
    client = await make_gateway()
    assert (await WeChatPush(client).text("你好", 1)).content == "系统繁忙，请稍后再试。"


async def test_rasa_silent_or_too_slow_gives_the_busy_text(
    make_gateway: MakeGateway, rasa: TrackerRasa, wechat_api: FakeWeChatApi
) -> None:
    rasa.reply = lambda sender, text: []
    client = await make_gateway()
    push = WeChatPush(client)
    assert (await push.text("你好", 1)).content == "系统繁忙，请稍后再试。"
    rasa.mode = "slow"  # past Rasa's read timeout (0.5 s), within the reply timeout (1 s)
    assert (await push.text("你好", 2)).content == "系统繁忙，请稍后再试。"


async def test_nothing_personal_in_the_logs(
    make_gateway: MakeGateway,
    rasa: TrackerRasa,
    wechat_api: FakeWeChatApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    rasa.reply = long_answer
    wechat_api.send_errcodes = [45015]
    client = await make_gateway()
    push = WeChatPush(client)
    await push.text("长答案 我的专利号", 1)
    await eventually(lambda: bool(wechat_api.refused))
    rasa.mode = "error"
    await push.text("机密内容", 2)
    assert "oT***defg" in caplog.text
    assert OPENID not in caplog.text
    for secret in ("我的专利号", "机密内容", "符合条件的专利权人"):
        assert secret not in caplog.text


def test_access_log_masks_the_openid_parameter() -> None:
    from connectors.wechat.privacy import OpenIdParamFilter

    record = logging.LogRecord(
        "aiohttp.access", logging.INFO, "", 0, f'"POST /wechat?a=1&openid={OPENID}&b=2"', (), None
    )
    record.__dict__["first_request_line"] = f"POST /wechat?openid={OPENID} HTTP/1.1"
    OpenIdParamFilter().filter(record)
    assert OPENID not in record.getMessage()
    assert "openid=oT***defg&b=2" in record.getMessage()
    assert OPENID not in record.__dict__["first_request_line"]
