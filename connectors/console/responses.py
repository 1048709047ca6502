"""JSON in and out for the console's handlers."""

from __future__ import annotations

import functools
import json
from typing import Any

from aiohttp import web

from connectors.console.paths import MAX_BODY_BYTES
from connectors.errors import BadRequest, PayloadTooLarge

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
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"Content-Length {request.content_length} over {MAX_BODY_BYTES}")
    raw = await request.read()  # a chunked body stops at the app's client_max_size
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"body of {len(raw)} bytes over {MAX_BODY_BYTES}")
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise BadRequest("body is not JSON", message="请求格式不正确，应为 JSON。") from exc
    if not isinstance(body, dict):
        raise BadRequest("body is not a JSON object", message="请求格式不正确，应为 JSON 对象。")
    return body
