"""Which web pages may call the chat and feedback APIs from a browser (CORS).

The widget runs inside a centre's own website and calls the gateway on
another origin, so the browser asks first (a preflight, because the body is
JSON) and then checks `Access-Control-Allow-Origin` on the answer. Only the
origins in WIDGET_ALLOWED_ORIGINS, compared as exact strings with the Origin
header, and the gateway's own pages (the demo at `/`) get that header.

CORS alone only stops the page from *reading* the answer; the request would
still reach Rasa. So a POST from a browser page on any other origin — and
from an opaque origin, which browsers send as `null` (sandboxed frames,
file:// pages) — is refused with 403 before the handler runs. A request with
no Origin header is no cross-origin browser call (the console, a script, a
test) and passes.

Every answer on these paths carries `Vary: Origin`, allowed or not, so a
cache between the gateway and the browser never hands one site the answer
meant for another.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from connectors.widget.errors import OriginNotAllowed, PreflightRefused
from connectors.widget.paths import API_PATHS

ALLOWED_METHODS = frozenset({"POST"})
ALLOWED_HEADERS = frozenset({"content-type"})
# Browsers cap this (Chromium at 2 hours); 10 minutes keeps a changed policy
# from lingering while sparing most preflights of a conversation.
MAX_AGE_SECONDS = 600


class CorsPolicy:
    """The allowed origins, and the middleware, handler and hook that enforce them.

    Args:
        allowed_origins: exact origins as browsers send them (`https://www.example.org`),
            already normalised by the settings.
    """

    def __init__(self, allowed_origins: Iterable[str]) -> None:
        self._allowed = frozenset(allowed_origins)

    def allows(self, origin: str, own_host: str | None) -> bool:
        """Whether a page on `origin` may call the API of the gateway at `own_host`.

        The gateway's own pages are compared by host and port with the Host
        header and either scheme, since TLS usually ends at a proxy in front
        of the gateway, which then sees plain http.
        """
        if origin in self._allowed:
            return True
        url = urlsplit(origin)
        return (
            url.scheme in {"http", "https"}
            and own_host is not None
            and url.netloc.lower() == own_host.lower()
        )

    def middleware(self) -> Middleware:
        """Refuse a browser's POST to the API from a page on a foreign origin."""

        @web.middleware
        async def origin_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
            origin = request.headers.get("Origin")
            if (
                request.method == "POST"
                and request.path in API_PATHS
                and origin is not None
                and not self.allows(origin, request.host)
            ):
                raise OriginNotAllowed(f"POST from origin {origin[:100]!r}")
            return await handler(request)

        return origin_guard

    async def preflight(self, request: web.Request) -> web.Response:
        """Answer the browser's OPTIONS question before a cross-origin POST."""
        origin = request.headers.get("Origin")
        if origin is None or not self.allows(origin, request.host):
            raise OriginNotAllowed(f"preflight from origin {(origin or '')[:100]!r}")
        method = request.headers.get("Access-Control-Request-Method", "")
        if method not in ALLOWED_METHODS:
            raise PreflightRefused(f"preflight asks for method {method[:20]!r}")
        asked = {
            name.strip().lower()
            for name in request.headers.get("Access-Control-Request-Headers", "").split(",")
            if name.strip()
        }
        if not asked <= ALLOWED_HEADERS:
            raise PreflightRefused(f"preflight asks for headers {sorted(asked)[:5]}")
        response = web.Response(status=204)
        response.headers["Access-Control-Allow-Methods"] = ", ".join(sorted(ALLOWED_METHODS))
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = str(MAX_AGE_SECONDS)
        _vary(response, "Access-Control-Request-Method", "Access-Control-Request-Headers")
        return response

    async def on_response_prepare(
        self, request: web.BaseRequest, response: web.StreamResponse
    ) -> None:
        """Add the CORS headers to every answer on the API paths, errors included.

        A hook rather than a middleware: app.py's error middleware is the
        outermost one and builds refusals after every inner middleware has
        finished, and a cross-origin page can read a refusal (a 429's
        message) only if it carries these headers too.
        """
        if request.path not in API_PATHS:
            return
        _vary(response, "Origin")
        origin = request.headers.get("Origin")
        if origin is not None and self.allows(origin, request.host):
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = "Retry-After"


def _vary(response: web.StreamResponse, *names: str) -> None:
    """Add `names` to the response's Vary header, keeping what is there."""
    present = [v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()]
    known = {v.lower() for v in present}
    present += [name for name in names if name.lower() not in known]
    response.headers["Vary"] = ", ".join(present)
