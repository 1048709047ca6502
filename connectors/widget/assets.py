"""The widget's files — widget.js, the demo page and its CSS — served from memory.

They are read once at start-up (a few KiB), so serving them never touches
the disk, and each carries a strong ETag so a browser's revalidation is a
304 with no body. widget.js is the one file a centre's website links to by a
fixed, unversioned URL, so its lifetime is short (a fix reaches every site
within minutes) and its `Cross-Origin-Resource-Policy` lets pages with
cross-origin isolation load it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).resolve().parent / "static"

JS_TYPE = "text/javascript"  # RFC 9239
CSS_TYPE = "text/css"
SVG_TYPE = "image/svg+xml"
HTML_TYPE = "text/html"


@dataclass(frozen=True)
class Asset:
    """One file's bytes and how to serve them.

    Args:
        body: the file's content.
        content_type: the MIME type, without charset (text types get utf-8).
        cache_control: the Cache-Control value.
        extra_headers: any other header every answer carries.
    """

    body: bytes
    content_type: str
    cache_control: str
    extra_headers: dict[str, str] = field(default_factory=dict)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'

    async def handle(self, request: web.Request) -> web.Response:
        """GET or HEAD: the file, or 304 when the browser's copy is current."""
        headers = {"Cache-Control": self.cache_control, "ETag": self.etag, **self.extra_headers}
        if _matches(request.headers.get("If-None-Match"), self.etag):
            return web.Response(status=304, headers=headers)
        charset = "utf-8" if self.content_type.startswith("text/") else None
        return web.Response(
            body=self.body, content_type=self.content_type, charset=charset, headers=headers
        )


def _matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names `etag` (weak forms count, RFC 9110 13.1.2)."""
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


def static_asset(name: str, content_type: str, cache_control: str, **headers: str) -> Asset:
    """An asset from the static folder."""
    return Asset((STATIC / name).read_bytes(), content_type, cache_control, headers)


def widget_script() -> Asset:
    return static_asset(
        "widget.js",
        JS_TYPE,
        "public, max-age=300",
        **{"Cross-Origin-Resource-Policy": "cross-origin"},
    )
