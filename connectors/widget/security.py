"""Security headers on every answer of the gateway.

The gateway serves one page of its own (the demo at `/`) and otherwise JSON,
JavaScript and CSS. The page gets a Content-Security-Policy that allows
nothing but this origin's own files — no inline script, no inline style, no
other host — so even an injected tag would stay inert; everything else gets
one that allows nothing at all, in case a browser is pointed at a JSON answer.
`nosniff` keeps a browser from running a JSON answer as script, and no
referrer leaves the gateway's pages.
"""

from __future__ import annotations

from aiohttp import web

PAGE_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
NOTHING_CSP = "default-src 'none'; frame-ancestors 'none'"
# What a page of ours carries; set by its handler, since a 304 for it has no
# content type to recognise it by.
PAGE_HEADERS = {"Content-Security-Policy": PAGE_CSP, "X-Frame-Options": "DENY"}


async def add_security_headers(request: web.BaseRequest, response: web.StreamResponse) -> None:
    """`on_response_prepare` hook: headers a handler has set itself are kept.

    An HTML answer without its own policy gets the page policy; anything else
    the one that allows nothing.
    """
    headers = response.headers
    if response.content_type == "text/html":
        for name, value in PAGE_HEADERS.items():
            headers.setdefault(name, value)
    headers.setdefault("Content-Security-Policy", NOTHING_CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
