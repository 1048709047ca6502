"""Notice, in the chat API's replies, the questions the bot had no basis to answer.

The action server marks the reply with a custom payload {"type": "no_answer"}.
Before it did (and for a bot that still does not), the reply is recognised by
its shape: when the corpus holds nothing to answer from, `ActionAnswerPolicy._no_basis`
(actions/policy.py) says so in words and offers a person with exactly two
buttons, 转人工 (`/ask_human`) and 不用了 (`/deny`), and cites nothing. No
other reply of the bot pairs those two payloads (the eligibility offer pairs
`/apply_assistance` with `/deny`; the fallback and error replies offer
`/ask_human` alone), so that pair in a reply without citations is the
signal. The payloads are the dialogue's contract with every channel; the
wording is not, so the text is never matched.

The middleware wraps POST /api/v1/chat, reads the reply the handler built
and the question the person sent (aiohttp keeps the body it already read),
and stores the question. A failure to store is logged and nothing else: the
person's answer is never held up or lost by it. WeChat conversations are not
seen here (their replies go out as XML and 客服消息, not through this route).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from connectors.console.keys import UNANSWERED
from connectors.typedefs import SIGNER
from connectors.widget.paths import CHAT_PATH

log = logging.getLogger(__name__)

NO_BASIS_PAYLOADS = frozenset({"/ask_human", "/deny"})
NO_ANSWER_TYPE = "no_answer"  # the marker actions/policy.py now sends with that reply


def _payloads(message: Any) -> set[str]:
    buttons = message.get("buttons") if isinstance(message, dict) else None
    if not isinstance(buttons, list):
        return set()
    return {
        b["payload"] for b in buttons if isinstance(b, dict) and isinstance(b.get("payload"), str)
    }


def _marked(message: Any) -> bool:
    custom = message.get("custom") if isinstance(message, dict) else None
    return isinstance(custom, dict) and custom.get("type") == NO_ANSWER_TYPE


def shows_no_basis(messages: object) -> bool:
    """Whether chat messages are the bot's "the policy documents hold no answer" reply."""
    if not isinstance(messages, list):
        return False
    if any(_marked(m) for m in messages):
        return True
    if any(isinstance(m, dict) and m.get("citations") for m in messages):
        return False
    return any(_payloads(m) >= NO_BASIS_PAYLOADS for m in messages)


def asked_question(body: bytes) -> str | None:
    """The person's typed text from a chat request body; None for a button press."""
    try:
        request = json.loads(body)
    except ValueError:
        return None
    text = request.get("text") if isinstance(request, dict) else None
    if not isinstance(text, str) or not text.strip() or text.lstrip().startswith("/"):
        return None
    return text.strip()


async def _record(request: web.Request, response: web.Response) -> None:
    if not isinstance(response.body, bytes):
        return
    try:
        reply = json.loads(response.body)
    except ValueError:
        return
    if not isinstance(reply, dict) or not shows_no_basis(reply.get("messages")):
        return
    question = asked_question(await request.read())
    if question is None:
        return
    conversation = request.app[SIGNER].verify(reply.get("session_id"))
    sender = conversation.sender_id if conversation else "web:unknown"
    try:
        await asyncio.to_thread(request.app[UNANSWERED].record, sender, question)
    except (sqlite3.Error, OSError) as exc:
        log.warning("unanswered question not stored: %s: %s", type(exc).__name__, exc)
        return
    log.info("unanswered question stored for %s", sender)


def unanswered_middleware() -> Middleware:
    """Store the question of every chat reply that shows no basis (see module docstring)."""

    @web.middleware
    async def record_unanswered(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        if (
            request.method == "POST"
            and request.path == CHAT_PATH
            and response.status == 200
            and isinstance(response, web.Response)
        ):
            await _record(request, response)
        return response

    return record_unanswered
