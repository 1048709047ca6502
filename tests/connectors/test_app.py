"""The gateway over real sockets, with a fake Rasa behind it."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from connectors.app import init_app
from connectors.errors import UpstreamError
from connectors.sessions import ConversationLocks
from connectors.settings import GatewaySettings
from connectors.typedefs import LOCKS, RASA_CLIENT, SIGNER
from tests.connectors.conftest import FakeRasa, gateway_settings

Client = TestClient[web.Request, web.Application]
BUSY = "系统繁忙，请稍后再试。"


async def chat(client: Client, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/chat", json=body)
    assert response.status == 200
    return dict(await response.json())


async def queued(locks: ConversationLocks, key: str, count: int) -> None:
    """Wait until `count` requests of conversation `key` hold or wait for its lock."""
    async with asyncio.timeout(2):
        while locks.pending(key) != count:
            await asyncio.sleep(0.002)


async def refused(client: Client, status: int, **kwargs: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/chat", **kwargs)
    assert response.status == status
    assert response.content_type == "application/json"
    return dict(await response.json())


async def test_health_reports_rasa(gateway: Client, fake_rasa: FakeRasa) -> None:
    response = await gateway.get("/health")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "rasa": True}
    fake_rasa.mode = "error"
    assert await (await gateway.get("/health")).json() == {"status": "ok", "rasa": False}


async def test_session_is_issued_then_kept(gateway: Client, fake_rasa: FakeRasa) -> None:
    first = await chat(gateway, text="  你好  ")
    assert first["messages"] == [{"text": "收到：你好"}]
    session_id = first["session_id"]
    second = await chat(gateway, session_id=session_id, text="专利被侵权了")
    assert second["session_id"] == session_id
    key = gateway.app[SIGNER].verify(session_id)
    assert key is not None
    assert [r["sender"] for r in fake_rasa.received] == [key.sender_id] * 2
    assert fake_rasa.received[0]["message"] == "你好"  # stripped before Rasa sees it
    assert fake_rasa.received[0]["metadata"] == {"channel": "web"}


@pytest.mark.parametrize("session_id", ["forged", 42, None, "a" * 24 + "." + "b" * 22])
async def test_invalid_session_gets_a_fresh_one(gateway: Client, session_id: object) -> None:
    reply = await chat(gateway, session_id=session_id, text="你好")
    assert reply["session_id"] != session_id
    assert gateway.app[SIGNER].verify(reply["session_id"]) is not None


async def test_another_gateways_session_is_replaced(gateway: Client, fake_rasa: FakeRasa) -> None:
    foreign = init_app(gateway_settings(fake_rasa.url, secret=b"o" * 32))[SIGNER].issue()
    reply = await chat(gateway, session_id=foreign.session_id, text="你好")
    assert reply["session_id"] != foreign.session_id
    assert fake_rasa.received[0]["sender"] != foreign.sender_id


@pytest.mark.parametrize(
    ("body", "code", "fragment"),
    [
        ({}, "bad_request", "text"),
        ({"text": 5}, "bad_request", "text"),
        ({"text": ""}, "empty_message", "请输入"),
        ({"text": " \n\t　"}, "empty_message", "请输入"),
        ([1, 2], "bad_request", "JSON 对象"),
    ],
)
async def test_bad_bodies_are_400_in_chinese(
    gateway: Client, fake_rasa: FakeRasa, body: Any, code: str, fragment: str
) -> None:
    error = await refused(gateway, 400, json=body)
    assert error["error"] == code
    assert fragment in error["message"]
    assert fake_rasa.received == []


async def test_not_json_is_400(gateway: Client) -> None:
    error = await refused(gateway, 400, data=b"text=hello", headers={"Content-Type": "text/plain"})
    assert error == {"error": "bad_request", "message": "请求格式不正确，应为 JSON。"}


async def test_text_with_a_lone_surrogate_is_400_not_a_crash(
    gateway: Client, fake_rasa: FakeRasa, caplog: pytest.LogCaptureFixture
) -> None:
    body = b'{"text": "\\ud800abc"}'  # valid JSON, no valid character
    error = await refused(gateway, 400, data=body, headers={"Content-Type": "application/json"})
    assert error["error"] == "bad_request" and "无法识别的字符" in error["message"]
    assert fake_rasa.received == [] and "Traceback" not in caplog.text


async def test_too_long_text_is_413(gateway: Client, fake_rasa: FakeRasa) -> None:
    assert (await chat(gateway, text="字" * 2000))["messages"]
    error = await refused(gateway, 413, json={"text": "字" * 2001})
    assert error == {"error": "message_too_long", "message": "消息太长了，请控制在 2000 字以内。"}
    assert len(fake_rasa.received) == 1


async def test_oversized_body_is_refused_unread(gateway: Client) -> None:
    body = b'{"text": "' + b"a" * (64 * 1024) + b'"}'
    assert (await refused(gateway, 413, data=body))["error"] == "payload_too_large"

    async def chunks() -> Any:  # no Content-Length: the size limit applies while reading
        yield body

    assert (await refused(gateway, 413, data=chunks()))["error"] == "payload_too_large"


@pytest.mark.parametrize("mode", ["error", "not_json", "not_list", "slow"])
async def test_failing_rasa_gives_the_busy_text(
    gateway: Client, fake_rasa: FakeRasa, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    fake_rasa.mode = mode
    reply = await chat(gateway, text="你好")
    assert reply["messages"] == [{"text": BUSY}]
    assert gateway.app[SIGNER].verify(reply["session_id"]) is not None
    assert "Rasa failed" in caplog.text
    assert "你好" not in caplog.text


async def test_absent_rasa_gives_the_busy_text(absent_rasa_url: str) -> None:
    settings = gateway_settings(absent_rasa_url, busy_text="稍等，系统正忙。")
    async with TestClient(TestServer(init_app(settings), host="127.0.0.1")) as client:
        reply = await chat(client, text="你好")
        assert reply["messages"] == [{"text": "稍等，系统正忙。"}]
        assert await (await client.get("/health")).json() == {"status": "ok", "rasa": False}


async def test_silent_rasa_gives_the_busy_text(gateway: Client, fake_rasa: FakeRasa) -> None:
    fake_rasa.reply = lambda sender, text: []
    assert (await chat(gateway, text="你好"))["messages"] == [{"text": BUSY}]


async def test_answer_with_citations_and_custom(gateway: Client, fake_rasa: FakeRasa) -> None:
    citation = {
        "title": "实施意见",
        "doc_number": "枣市监中心字〔2020〕42号",
        "section": "四（二）3",
    }
    fake_rasa.reply = lambda sender, text: [
        {
            "recipient_id": sender,
            "text": "可以申请。",
            "buttons": [{"title": "申请", "payload": "/apply_assistance"}],
        },
        {"recipient_id": sender, "custom": {"type": "citations", "citations": [citation]}},
        {"recipient_id": sender, "custom": {"type": "form_question", "slot": "ip_type"}},
    ]
    assert (await chat(gateway, text="能申请援助吗"))["messages"] == [
        {
            "text": "可以申请。",
            "buttons": [{"title": "申请", "payload": "/apply_assistance"}],
            "citations": [citation],
            "custom": {"type": "form_question", "slot": "ip_type"},
        }
    ]


async def test_one_sessions_concurrent_messages_reach_rasa_in_order(
    gateway: Client, fake_rasa: FakeRasa
) -> None:
    session_id = (await chat(gateway, text="开始"))["session_id"]
    key = gateway.app[SIGNER].verify(session_id)
    assert key is not None
    locks = gateway.app[LOCKS]
    fake_rasa.received.clear()
    fake_rasa.delay = 0.05
    tasks = []
    for i in range(5):
        tasks.append(asyncio.create_task(chat(gateway, session_id=session_id, text=f"消息{i}")))
        await queued(locks, key.key, i + 1)
    replies = await asyncio.gather(*tasks)
    assert [r["message"] for r in fake_rasa.received] == [f"消息{i}" for i in range(5)]
    assert fake_rasa.max_in_flight == 1
    assert [r["messages"][0]["text"] for r in replies] == [f"收到：消息{i}" for i in range(5)]
    assert len(locks) == 0


async def test_unknown_route_and_wrong_method_are_json(gateway: Client) -> None:
    response = await gateway.get("/nowhere")
    assert (response.status, await response.json()) == (
        404,
        {"error": "not_found", "message": "找不到这个地址。"},
    )
    response = await gateway.get("/api/v1/chat")
    assert response.status == 405
    assert (await response.json())["error"] == "method_not_allowed"


async def test_unexpected_error_is_500_without_internals(
    gateway: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(gateway.app[RASA_CLIENT], "send", explode)
    response = await gateway.post("/api/v1/chat", json={"text": "你好"})
    assert response.status == 500
    body = await response.json()
    assert body == {"error": "internal_error", "message": "系统出了点问题，请稍后再试。"}
    assert "hunter2" in caplog.text  # the operator sees the cause, the client does not


async def test_upstream_error_outside_chat_uses_its_status(
    gateway: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def fail() -> bool:
        raise UpstreamError("health check broke")

    monkeypatch.setattr(gateway.app[RASA_CLIENT], "is_up", fail)
    response = await gateway.get("/health")
    assert (response.status, (await response.json())["error"]) == (502, "upstream_error")


def test_ephemeral_secret_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="connectors"):
        init_app(GatewaySettings())
    assert "session ids will not survive a restart" in caplog.text
    caplog.clear()
    init_app(gateway_settings("http://127.0.0.1:5005"))
    assert "GATEWAY_SECRET" not in caplog.text
