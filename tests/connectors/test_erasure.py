"""“删除我的信息”: the conversation is erased in Rasa and everywhere the gateway keeps it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from connectors.app import init_app
from connectors.console.keys import UNANSWERED
from connectors.erasure import ERASED_TYPE, is_erase_request
from connectors.widget.keys import DELIVERED, FEEDBACK
from tests.connectors.conftest import gateway_settings, serving
from tests.connectors.wechat.conftest import RASA_TOKEN, TrackerRasa

Client = TestClient[web.Request, web.Application]


@pytest.mark.parametrize(
    "text",
    ["删除我的信息", "删除我的信息。", "请删除我的个人信息", "把我的聊天记录删了", "删掉我的资料吧",
     "帮我清除所有记录", "能不能删除我的信息？", "清空对话记录"],
)  # fmt: skip
def test_the_ways_people_ask_to_delete_their_information(text: str) -> None:
    assert is_erase_request(text)


@pytest.mark.parametrize(
    "text",
    ["删除申请", "我想取消申请", "删除我的申请", "怎么删除侵权商品链接", "专利信息被删除了怎么办",
     "对方删除了聊天记录，还能维权吗"],
)  # fmt: skip
def test_questions_and_the_form_stop_words_are_not_erasure(text: str) -> None:
    assert not is_erase_request(text)


@pytest.fixture
async def rasa() -> AsyncIterator[TrackerRasa]:
    async with serving(TrackerRasa()) as fake:
        yield fake


@pytest.fixture
async def client(rasa: TrackerRasa) -> AsyncIterator[Client]:
    app = init_app(gateway_settings(rasa.url, rasa_token=RASA_TOKEN))
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


async def say(client: Client, text: str, session_id: str | None = None) -> dict[str, Any]:
    response = await client.post("/api/v1/chat", json={"session_id": session_id, "text": text})
    assert response.status == 200
    return dict(await response.json())


def sender_of(session_id: str) -> str:
    return "web:" + session_id.split(".")[0]


async def test_erasing_deletes_the_conversation_in_rasa_and_in_the_gateway(
    client: Client, rasa: TrackerRasa
) -> None:
    first = await say(client, "商标被抢注了怎么办")
    session = first["session_id"]
    me, someone = sender_of(session), "web:someone-else"
    app = client.app
    for conversation in (me, someone):
        app[UNANSWERED].record(conversation, "我们的商标被抢注了")
        app[FEEDBACK].record(conversation, "down", "商标被抢注了怎么办", "收到：商标被抢注了怎么办")
    assert app[DELIVERED].was_delivered(me, "收到：商标被抢注了怎么办")

    reply = await say(client, "删除我的信息", session)

    [message] = reply["messages"]
    assert "已删除您在本次对话中的全部记录" in message["text"] and "12345" in message["text"]
    assert message["custom"] == {"type": ERASED_TYPE}
    assert rasa.replaced == [(me, [], RASA_TOKEN)]
    assert [body["message"] for body in rasa.received] == ["商标被抢注了怎么办"]  # never sent on
    assert [q.conversation for q in app[UNANSWERED].recent(10)] == [someone]
    assert [f.conversation for f in app[FEEDBACK].recent(10)] == [someone]
    assert not app[DELIVERED].was_delivered(me, "收到：商标被抢注了怎么办")


async def test_when_rasa_cannot_erase_the_person_is_told_and_the_gateway_still_forgets(
    client: Client, rasa: TrackerRasa
) -> None:
    rasa.api_token = "another-token"  # Rasa refuses the gateway's token
    session = (await say(client, "你好"))["session_id"]
    client.app[UNANSWERED].record(sender_of(session), "你好")
    [message] = (await say(client, "删除我的信息", session))["messages"]
    assert "删除没有完成" in message["text"] and "custom" not in message
    assert client.app[UNANSWERED].recent(10) == []
