"""未解决问题: questions the bot had no basis for, and 👎 answers; newest first, masked."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from connectors.console.db import ConsoleDatabase
from connectors.console.keys import UNANSWERED
from connectors.console.no_answer import asked_question, shows_no_basis
from connectors.console.unanswered import UnansweredStore
from connectors.widget.feedback import Rating
from connectors.widget.keys import FEEDBACK
from tests.connectors.conftest import FakeRasa
from tests.connectors.console.conftest import Console, MakeConsole

# What actions/policy.py `_no_basis` sends through Rasa's REST channel.
NO_BASIS: list[dict[str, Any]] = [
    {
        "text": "抱歉，现有的政策文件里没有能回答这个问题的内容，我不凭猜测回答。需要转人工吗？",
        "buttons": [
            {"title": "转人工", "payload": "/ask_human"},
            {"title": "不用了", "payload": "/deny"},
        ],
    }
]
ANSWERED: list[dict[str, Any]] = [
    {"text": "可以申请。\n——《实施意见》四（二）3"},
    {"custom": {"type": "citations", "citations": [{"doc_id": "004", "title": "实施意见"}]}},
]
FALLBACK: list[dict[str, Any]] = [
    {"text": "抱歉，我没太明白。", "buttons": [{"title": "转人工", "payload": "/ask_human"}]}
]
OFFER_TO_APPLY: list[dict[str, Any]] = [
    {
        "text": "需要现在申请援助吗？",
        "buttons": [
            {"title": "申请援助", "payload": "/apply_assistance"},
            {"title": "不用了", "payload": "/deny"},
        ],
    }
]


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (NO_BASIS, True),
        ([{"text": "前言"}, *NO_BASIS], True),
        (FALLBACK, False),
        (OFFER_TO_APPLY, False),
        ([{**NO_BASIS[0], "citations": [{"doc_id": "004"}]}], False),
        ([], False),
        (None, False),
        ([{"buttons": "not a list"}, "text"], False),
        ([{"text": "抱歉……", "custom": {"type": "no_answer", "reason": "no_basis"}}], True),
        ([{"text": "答复", "custom": {"type": "handoff"}}], False),
        # Rasa's own output: the citations arrive as a custom element of their own.
        ([NO_BASIS[0], {"custom": {"type": "citations", "citations": [{}]}}], False),
    ],
)
def test_the_no_basis_reply_is_recognised_by_its_payloads(messages: Any, expected: bool) -> None:
    assert shows_no_basis(messages) is expected


@pytest.mark.parametrize(
    ("text", "question"),
    [
        (" 你好 ", "你好"),
        ("/ask_human", None),
        ('/ask_policy{"passage": "004#1"}', None),
        ("   ", None),
    ],
)
def test_only_typed_text_is_a_question(text: str, question: str | None) -> None:
    assert asked_question(text) == question


@pytest.fixture
def fake_reply(fake_rasa: FakeRasa) -> list[dict[str, Any]]:
    """What the fake Rasa answers to every message; a test fills it before each chat."""
    reply: list[dict[str, Any]] = []
    fake_rasa.reply = lambda sender, text: [dict(m, recipient_id=sender) for m in reply]
    return reply


@pytest.fixture
async def console(make_console: MakeConsole, fake_reply: list[dict[str, Any]]) -> Console:
    return await make_console()


async def chat(
    console: Console, fake_reply: list[dict[str, Any]], text: str, reply: list[dict[str, Any]]
) -> Any:
    fake_reply[:] = reply
    response = await console.client.post("/api/v1/chat", json={"text": text})
    assert response.status == 200
    return await response.json()


async def unresolved(console: Console) -> dict[str, Any]:
    response = await console.client.get("/console/api/unresolved")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    return dict(await response.json())


async def test_unanswered_questions_are_listed_newest_first_and_masked(
    console: Console, fake_reply: list[dict[str, Any]]
) -> None:
    await chat(console, fake_reply, "我电话13812345678，能报销律师费吗", NO_BASIS)
    await chat(console, fake_reply, "专利被侵权怎么办", ANSWERED)  # answered: not listed
    await chat(console, fake_reply, "/ask_human", NO_BASIS)  # a button press: not a question
    await chat(console, fake_reply, "身份证370402198802141234能查吗", NO_BASIS)
    await chat(console, fake_reply, "你是机器人吗", FALLBACK)  # not understood: not "no basis"
    await console.signed_in()
    body = await unresolved(console)
    questions = [entry["question"] for entry in body["unanswered"]]
    assert questions == ["身份证3704**********1234能查吗", "我电话138****5678，能报销律师费吗"]
    assert "13812345678" not in json.dumps(body, ensure_ascii=False)
    assert all(entry["at"][:2] == "20" for entry in body["unanswered"])  # Beijing time


async def test_disliked_answers_come_from_the_feedback_store(console: Console) -> None:
    feedback = console.app[FEEDBACK]
    feedback.record("web:a", Rating.DOWN, "第一问", "第一答")
    feedback.record("web:b", Rating.UP, "好问题", "好答案")
    feedback.record("web:c", Rating.DOWN, "手机13912345678怎么办", "请拨打热线。")
    await console.signed_in()
    body = await unresolved(console)
    assert [(d["question"], d["answer"]) for d in body["disliked"]] == [
        ("手机139****5678怎么办", "请拨打热线。"),
        ("第一问", "第一答"),
    ]
    assert body["unanswered"] == []
    assert "web:" not in json.dumps(body)  # conversation ids stay with the curators


async def test_the_lists_need_a_session(console: Console) -> None:
    assert (await console.client.get("/console/api/unresolved")).status == 401


async def test_limit_is_validated(console: Console) -> None:
    await console.signed_in()
    for limit in ("0", "201", "x"):
        response = await console.client.get("/console/api/unresolved", params={"limit": limit})
        assert response.status == 400
    for number in range(3):
        console.app[UNANSWERED].record("web:x", f"问题{number}")
    response = await console.client.get("/console/api/unresolved", params={"limit": "2"})
    assert [e["question"] for e in (await response.json())["unanswered"]] == ["问题2", "问题1"]


async def test_a_broken_store_never_costs_the_person_their_answer(
    make_console: MakeConsole,
    fake_reply: list[dict[str, Any]],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")

    def break_store(app: web.Application) -> None:
        app[UNANSWERED] = UnansweredStore(ConsoleDatabase(blocker / "console.db"))

    console = await make_console(prepare=break_store)
    body = await chat(console, fake_reply, "能报销律师费吗", NO_BASIS)
    assert body["messages"][0]["buttons"][0]["payload"] == "/ask_human"
    assert "unanswered question not stored" in caplog.text


def test_the_store_masks_and_orders(tmp_path: Path) -> None:
    store = UnansweredStore(ConsoleDatabase(tmp_path / "c.db"))
    store.record("web:1", "  电话 138 1234 5678  ")
    store.record("web:2", "第二个")
    assert [u.question for u in store.recent(10)] == ["第二个", "电话 138 **** 5678"]
    with pytest.raises(ValueError, match="limit"):
        store.recent(0)
    with sqlite3.connect(tmp_path / "c.db") as connection:
        stored = [row[0] for row in connection.execute("SELECT question FROM unanswered")]
    assert "1234" not in "".join(stored)
