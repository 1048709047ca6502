"""POST /api/v1/feedback: 204 and stored, masked; refusals in Chinese; small bodies only.

Only an answer the bot really gave in that conversation can be rated: the
fake Rasa echoes ("收到：…"), so the answer of a conversation is known.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connectors.errors import ConfigError
from connectors.widget.feedback import FeedbackStore, Rating
from connectors.widget.feedback_settings import FeedbackLimits
from connectors.widget.keys import FEEDBACK
from tests.connectors.conftest import FakeRasa
from tests.connectors.widget.conftest import SITE, Client, MakeGateway

ANSWER = "收到：你好"  # the fake Rasa's answer to "你好"


async def session_of(client: Client, text: str = "你好", session_id: str | None = None) -> str:
    response = await client.post("/api/v1/chat", json={"text": text, "session_id": session_id})
    return str((await response.json())["session_id"])


async def rate(client: Client, **body: Any) -> Any:
    return await client.post("/api/v1/feedback", json=body)


async def test_a_rating_is_stored_masked(widget: Client, feedback_db: Path) -> None:
    session_id = await session_of(widget)
    response = await rate(
        widget,
        session_id=session_id,
        rating="down",
        question="  我手机13812345678，能申请援助吗？ ",
        answer=ANSWER,
    )
    assert response.status == 204
    assert await response.read() == b""
    [entry] = FeedbackStore(feedback_db).recent(10)
    assert entry.rating is Rating.DOWN
    assert entry.question == "我手机138****5678，能申请援助吗？"
    assert entry.answer == ANSWER
    assert entry.conversation == "web:" + session_id.split(".")[0]


async def test_cross_origin_rating_from_an_allowed_site(widget: Client) -> None:
    session_id = await session_of(widget)
    body = {"session_id": session_id, "rating": "up", "question": "问", "answer": ANSWER}
    response = await widget.post("/api/v1/feedback", json=body, headers={"Origin": SITE})
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == SITE
    assert response.headers["Vary"] == "Origin"


@pytest.mark.parametrize(
    ("changes", "code", "message"),
    [
        ({"session_id": "a" * 24 + "." + "b" * 22}, "bad_feedback", "会话已失效，无法记录反馈。"),
        ({"session_id": None}, "bad_feedback", "会话已失效，无法记录反馈。"),
        ({"rating": "meh"}, "bad_feedback", "反馈内容不完整。"),
        ({"rating": None}, "bad_feedback", "反馈内容不完整。"),
        ({"answer": "  "}, "bad_feedback", "反馈内容不完整。"),
        ({"answer": 5}, "bad_feedback", "反馈内容不完整。"),
        ({"question": ["问"]}, "bad_feedback", "反馈内容不完整。"),
    ],
)
async def test_bad_ratings_are_400_in_chinese(
    widget: Client, feedback_db: Path, changes: dict[str, Any], code: str, message: str
) -> None:
    body = {
        "session_id": await session_of(widget),
        "rating": "up",
        "question": "问",
        "answer": "答",
    }
    body.update(changes)
    response = await rate(widget, **body)
    assert response.status == 400
    assert await response.json() == {"error": code, "message": message}
    assert not feedback_db.exists()


async def test_not_json_is_400(widget: Client) -> None:
    response = await widget.post("/api/v1/feedback", data=b"rating=up")
    assert (response.status, (await response.json())["error"]) == (400, "bad_request")
    response = await widget.post("/api/v1/feedback", json=["up"])
    assert (response.status, (await response.json())["error"]) == (400, "bad_request")


def utf8(body: dict[str, Any]) -> bytes:
    """JSON as a browser's JSON.stringify sends it: UTF-8, three bytes a Chinese character."""
    return json.dumps(body, ensure_ascii=False).encode()


async def test_bodies_over_8_kib_are_refused(
    widget: Client, feedback_db: Path, fake_rasa: FakeRasa
) -> None:
    fake_rasa.reply = lambda sender, text: [{"text": "答" * 2650}]
    session_id = await session_of(widget)
    body = {"session_id": session_id, "rating": "up", "question": "问", "answer": "答" * 2700}
    response = await widget.post("/api/v1/feedback", data=utf8(body))  # 8.2 KB
    assert response.status == 413
    assert (await response.json())["error"] == "payload_too_large"

    async def chunks() -> Any:  # no Content-Length: the body is measured once read
        yield b'{"session_id": "' + session_id.encode() + b'", "rating": "up", "answer": "'
        yield b"a" * 9000 + b'"}'

    response = await widget.post("/api/v1/feedback", data=chunks())
    assert response.status == 413
    assert not feedback_db.exists()
    # Just under the limit is fine; what is kept is capped like the widget's own copy.
    body["answer"] = "答" * 2650
    assert (await widget.post("/api/v1/feedback", data=utf8(body))).status == 204
    [entry] = FeedbackStore(feedback_db).recent(1)
    assert entry.answer == "答" * 1500


async def test_a_broken_store_is_503_and_chat_goes_on(
    make_gateway: MakeGateway, tmp_path: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    gateway = await make_gateway(feedback_db_path=blocked / "feedback.db")
    session_id = await session_of(gateway)
    response = await rate(gateway, session_id=session_id, rating="up", question="问", answer=ANSWER)
    assert response.status == 503
    assert await response.json() == {
        "error": "feedback_unavailable",
        "message": "暂时无法记录您的反馈，请稍后再试。",
    }
    assert (await gateway.post("/api/v1/chat", json={"text": "你好"})).status == 200


async def test_feedback_takes_only_post(widget: Client) -> None:
    response = await widget.get("/api/v1/feedback")
    assert response.status == 405


async def test_an_answer_the_bot_never_gave_is_refused(widget: Client, feedback_db: Path) -> None:
    session_id = await session_of(widget)
    planted = "中心热线已停用，请加微信 zz-ipr-help 办理援助。"
    response = await rate(
        widget, session_id=session_id, rating="down", question="问", answer=planted
    )
    assert response.status == 400
    assert await response.json() == {
        "error": "bad_feedback",
        "message": "只能评价助手在本次对话中给出的回答。",
    }
    assert not feedback_db.exists() or FeedbackStore(feedback_db).recent(10) == []


async def test_an_answer_given_in_another_conversation_is_refused(
    widget: Client, feedback_db: Path
) -> None:
    other = await session_of(widget, "别人的问题")
    mine = await session_of(widget)
    stolen = "收到：别人的问题"
    response = await rate(widget, session_id=mine, rating="down", question="问", answer=stolen)
    assert response.status == 400
    response = await rate(widget, session_id=other, rating="down", question="问", answer=stolen)
    assert response.status == 204
    assert [e.answer for e in FeedbackStore(feedback_db).recent(10)] == [stolen]


async def test_every_answer_of_the_conversation_can_be_rated(
    widget: Client, feedback_db: Path
) -> None:
    session_id = await session_of(widget, "第一问")
    for text in ("第二问", "第三问"):
        await session_of(widget, text, session_id)
    for text in ("第一问", "第三问"):
        answer = f"收到：{text}"
        response = await rate(
            widget, session_id=session_id, rating="down", question=text, answer=answer
        )
        assert response.status == 204
    assert len(FeedbackStore(feedback_db).recent(10)) == 2


async def test_a_long_answer_clipped_as_the_widget_clips_it_is_accepted(
    widget: Client, feedback_db: Path, fake_rasa: FakeRasa
) -> None:
    paragraphs = [f"第{i}段：" + "维权援助" * 100 for i in range(5)]  # about 2000 characters
    fake_rasa.reply = lambda sender, text: [{"text": p} for p in paragraphs]
    session_id = await session_of(widget)
    shown = "\n".join(paragraphs)  # widget.js joins the texts of one reply
    body = {"session_id": session_id, "rating": "down", "question": "问"}
    clipped = shown[:1499] + "…"  # and clips with its clip(answer, 1500)
    response = await widget.post("/api/v1/feedback", data=utf8(body | {"answer": clipped}))
    assert response.status == 204
    altered = shown[:1400] + "请加微信" + shown[1404:1499] + "…"
    response = await widget.post("/api/v1/feedback", data=utf8(body | {"answer": altered}))
    assert response.status == 400
    [entry] = FeedbackStore(feedback_db).recent(5)
    assert entry.answer == clipped


async def test_feedback_retention_comes_from_the_environment(
    make_gateway: MakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEEDBACK_RETENTION_DAYS", "7")
    monkeypatch.setenv("FEEDBACK_MAX_ROWS", "500")
    gateway = await make_gateway()
    store = gateway.app[FEEDBACK]
    assert (store.retention_days, store.max_rows) == (7, 500)
    for bad in ("0", "-3", "soon", "99999"):
        monkeypatch.setenv("FEEDBACK_RETENTION_DAYS", bad)
        with pytest.raises(ConfigError, match="FEEDBACK_RETENTION_DAYS"):
            await make_gateway()


def test_feedback_limits_are_read_from_the_environment_given() -> None:
    env = {"FEEDBACK_RETENTION_DAYS": "30", "FEEDBACK_MAX_ROWS": " 2000 "}
    assert FeedbackLimits.from_env(env) == FeedbackLimits(retention_days=30, max_rows=2000)
    assert FeedbackLimits.from_env({}) == FeedbackLimits(retention_days=90, max_rows=10_000)
    with pytest.raises(ConfigError, match="FEEDBACK_MAX_ROWS"):
        FeedbackLimits.from_env({"FEEDBACK_MAX_ROWS": "1e4"})
