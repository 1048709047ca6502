"""Reading a request body as one JSON object, within a size limit.

Every JSON endpoint of the gateway (chat, feedback, the console's API) reads
its body the same way: an oversized body is refused before it is read when
Content-Length says so, and cut off while reading otherwise; anything but a
JSON object is a 400 with a Chinese message. So is text with a lone UTF-16
surrogate (`"\\ud800"` is valid JSON but no character): nothing downstream
— Rasa, SQLite, the log — can encode it.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from connectors.errors import BadRequest, PayloadTooLarge


async def read_json_object(request: web.Request, limit: int) -> dict[str, Any]:
    """The body as a JSON object of at most `limit` bytes."""
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"Content-Length {request.content_length} over {limit}")
    try:
        raw = await request.read()  # client_max_size stops a chunked body at the app's limit
    except web.HTTPRequestEntityTooLarge as exc:
        raise PayloadTooLarge(f"body over the application's limit, {limit} here") from exc
    if len(raw) > limit:
        raise PayloadTooLarge(f"body of {len(raw)} bytes over {limit}")
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise BadRequest("body is not JSON", message="请求格式不正确，应为 JSON。") from exc
    if not isinstance(body, dict):
        raise BadRequest("body is not a JSON object", message="请求格式不正确，应为 JSON 对象。")
    if not _encodable(body):
        raise BadRequest("lone surrogate in text", message="内容中有无法识别的字符，请重新输入。")
    return body


def _encodable(value: Any) -> bool:
    """Whether every string in a parsed JSON value is real Unicode text."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_encodable(k) and _encodable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_encodable(item) for item in value)
    return True
