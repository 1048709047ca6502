"""POST /api/v1/feedback: 204 and stored, masked; refusals in Chinese; small bodies only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connectors.widget.feedback import FeedbackStore, Rating
from tests.connectors.widget.conftest import SITE, Client, MakeGateway


async def session_of(client: Client) -> str:
    response = await client.post("/api/v1/chat", json={"text": "你好"})
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
        answer="可以申请。",
    )
    assert response.status == 204
    assert await response.read() == b""
    [entry] = FeedbackStore(feedback_db).recent(10)
    assert entry.rating is Rating.DOWN
    assert entry.question == "我手机138****5678，能申请援助吗？"
    assert entry.answer == "可以申请。"
    assert entry.conversation == "web:" + session_id.split(".")[0]


async def test_cross_origin_rating_from_an_allowed_site(widget: Client) -> None:
    session_id = await session_of(widget)
    body = {"session_id": session_id, "rating": "up", "question": "问", "answer": "答"}
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


async def test_bodies_over_8_kib_are_refused(widget: Client, feedback_db: Path) -> None:
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
    # Just under the limit is fine.
    body["answer"] = "答" * 2650
    assert (await widget.post("/api/v1/feedback", data=utf8(body))).status == 204


async def test_a_broken_store_is_503_and_chat_goes_on(
    make_gateway: MakeGateway, tmp_path: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    gateway = await make_gateway(feedback_db_path=blocked / "feedback.db")
    session_id = await session_of(gateway)
    response = await rate(gateway, session_id=session_id, rating="up", question="问", answer="答")
    assert response.status == 503
    assert await response.json() == {
        "error": "feedback_unavailable",
        "message": "暂时无法记录您的反馈，请稍后再试。",
    }
    assert (await gateway.post("/api/v1/chat", json={"text": "你好"})).status == 200


async def test_feedback_takes_only_post(widget: Client) -> None:
    response = await widget.get("/api/v1/feedback")
    assert response.status == 405
