"""The sign-in page, the console page and their files, served from memory.

Plain HTML, CSS and JavaScript files (static/), no template and no inline
script or style, under the gateway's page policy (widget/security.py:
`'self'` only), so nothing injected could run. The pages hold no data: the
console page's script fetches everything after it loads, with the session
cookie, so serving the page itself reveals nothing. `/console` still sends a
visitor without a session to the sign-in page at once, rather than showing
an empty console first.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from connectors.console.auth import current_agent
from connectors.console.paths import CONSOLE_PAGE, SIGN_IN_PAGE
from connectors.widget.assets import CSS_TYPE, HTML_TYPE, JS_TYPE, Asset
from connectors.widget.security import PAGE_HEADERS

STATIC = Path(__file__).resolve().parent / "static"
# no-cache: a browser revalidates (cheap, ETag), so a fix reaches agents at once.
REVALIDATE = "no-cache"


def _asset(name: str, content_type: str, **headers: str) -> Asset:
    return Asset((STATIC / name).read_bytes(), content_type, REVALIDATE, headers)


def _page(name: str) -> Asset:
    # The page's own policy goes on its 304s too (see widget/demo.py).
    return _asset(name, HTML_TYPE, **PAGE_HEADERS)


class Pages:
    """Every file of the console, read once."""

    def __init__(self) -> None:
        self.console = _page("console.html")
        self.sign_in = _page("login.html")
        self.files = {
            "console.css": _asset("console.css", CSS_TYPE),
            "console.js": _asset("console.js", JS_TYPE),
            "login.js": _asset("login.js", JS_TYPE),
        }

    async def console_page(self, request: web.Request) -> web.StreamResponse:
        if await current_agent(request) is None:
            raise web.HTTPSeeOther(SIGN_IN_PAGE)
        return await self.console.handle(request)

    async def sign_in_page(self, request: web.Request) -> web.StreamResponse:
        if await current_agent(request) is not None:
            raise web.HTTPSeeOther(CONSOLE_PAGE)
        return await self.sign_in.handle(request)
