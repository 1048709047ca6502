"""JSON in and out for the console's handlers."""

from __future__ import annotations

import functools
import json
from typing import Any

from aiohttp import web

from connectors.console.paths import MAX_BODY_BYTES
from connectors.errors import BadRequest
from connectors.json_body import read_json_object as read_json_body

_dumps = functools.partial(json.dumps, ensure_ascii=False)


def json_response(data: Any, *, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps)


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object of at most MAX_BODY_BYTES, refused unread when larger.

    The console's pages send JSON; requiring its content type also means a
    plain HTML form on another site cannot post here without a CORS preflight.
    """
    if request.content_type != "application/json":
        raise BadRequest(f"content type {request.content_type[:40]!r}")
    return await read_json_body(request, MAX_BODY_BYTES)
