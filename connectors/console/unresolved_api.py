""" "未解决问题" on the console: what the bot could not answer, and the 👎 answers.

    GET /console/api/unresolved?limit=N  ->
        {"unanswered": [{"at", "question"}], "disliked": [{"at", "question", "answer"}]}

Both lists newest first, N (default 50, at most 200) each. Both were masked
with `cases.privacy.redact` when stored; conversation ids are not shown.
"""

from __future__ import annotations

import asyncio
import sqlite3

from aiohttp import web

from cases.cli.views import beijing
from connectors.console.errors import ConsoleUnavailable
from connectors.console.keys import UNANSWERED
from connectors.console.responses import json_response
from connectors.errors import BadRequest
from connectors.widget.feedback import Rating
from connectors.widget.keys import FEEDBACK

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def _limit(request: web.Request) -> int:
    raw = request.query.get("limit", "").strip() or str(DEFAULT_LIMIT)
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest(f"limit {raw[:10]!r}", message=f"条数应为 1 到 {MAX_LIMIT}。")
    return int(raw)


async def unresolved(request: web.Request) -> web.Response:
    limit = _limit(request)
    try:
        unanswered = await asyncio.to_thread(request.app[UNANSWERED].recent, limit)
        disliked = await asyncio.to_thread(request.app[FEEDBACK].recent, limit, Rating.DOWN)
    except (sqlite3.Error, OSError) as exc:
        raise ConsoleUnavailable(
            f"unresolved lists: {type(exc).__name__}: {exc}",
            message="未解决问题暂时读不出来，请稍后再试。",
        ) from exc
    return json_response(
        {
            "unanswered": [
                {"at": beijing(u.created_at), "question": u.question} for u in unanswered
            ],
            "disliked": [
                {"at": beijing(f.created_at), "question": f.question, "answer": f.answer}
                for f in disliked
            ],
        }
    )
