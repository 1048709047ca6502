"""POST /api/v1/feedback: a 👍 or 👎 from the widget, stored for the curators.

    {"session_id", "rating": "up"|"down", "question", "answer"}  ->  204

The body is small by nature, so anything over 8 KiB is refused before it is
read. Only a conversation the gateway issued may rate (the session id is
checked like the chat API's), and only an answer the bot gave in that
conversation (delivered.py): the 👎 answers are shown to every agent, and a
made-up "answer" there would speak with the bot's voice. SQLite runs in a
worker thread; a failure of the store is a 503 for this request and nothing
else.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

from aiohttp import web

from connectors.json_body import read_json_object
from connectors.typedefs import SIGNER
from connectors.widget.errors import FeedbackUnavailable, InvalidFeedback
from connectors.widget.feedback import Rating
from connectors.widget.keys import DELIVERED, FEEDBACK
from connectors.widget.paths import FEEDBACK_MAX_BYTES

log = logging.getLogger(__name__)


async def post_feedback(request: web.Request) -> web.Response:
    """Store one rating; 204 with no body."""
    body = await read_json_object(request, FEEDBACK_MAX_BYTES)
    conversation = request.app[SIGNER].verify(body.get("session_id"))
    if conversation is None:
        raise InvalidFeedback(
            "session id missing or not ours", message="会话已失效，无法记录反馈。"
        )
    try:
        rating = Rating(str(body.get("rating")))
    except ValueError as exc:
        raise InvalidFeedback("rating is not up or down") from exc
    question, answer = body.get("question", ""), body.get("answer")
    if not isinstance(question, str) or not isinstance(answer, str) or not answer.strip():
        raise InvalidFeedback("question or answer missing or not a string")
    if not request.app[DELIVERED].was_delivered(conversation.sender_id, answer.strip()):
        raise InvalidFeedback(
            f"answer not delivered in {conversation.sender_id}",
            message="只能评价助手在本次对话中给出的回答。",
        )
    store = request.app[FEEDBACK]
    try:
        await asyncio.to_thread(
            store.record, conversation.sender_id, rating, question.strip(), answer.strip()
        )
    except (sqlite3.Error, OSError) as exc:
        raise FeedbackUnavailable(
            f"cannot write {store.path}: {type(exc).__name__}: {exc}"
        ) from exc
    log.info("feedback %s recorded for %s", rating.value, conversation.sender_id)
    return web.Response(status=204)
