"""widget.js, the demo page and its files: types, caching, and the security headers."""

from __future__ import annotations

from html.parser import HTMLParser

from connectors.widget.assets import STATIC
from connectors.widget.security import PAGE_CSP
from tests.connectors.widget.conftest import SITE, Client


async def test_widget_js_is_javascript_with_caching_headers(widget: Client) -> None:
    response = await widget.get("/widget.js", headers={"Origin": SITE})
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert await response.read() == (STATIC / "widget.js").read_bytes()
    etag = response.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"')


async def test_a_current_copy_gets_304_without_a_body(widget: Client) -> None:
    etag = (await widget.get("/widget.js")).headers["ETag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = await widget.get("/widget.js", headers={"If-None-Match": header})
        assert response.status == 304
        assert await response.read() == b""
        assert response.headers["ETag"] == etag
        assert response.headers["Cache-Control"] == "public, max-age=300"
    response = await widget.get("/widget.js", headers={"If-None-Match": '"stale"'})
    assert response.status == 200


async def test_head_is_answered(widget: Client) -> None:
    response = await widget.head("/widget.js")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/javascript")


async def test_demo_page_has_a_strict_policy(widget: Client) -> None:
    response = await widget.get("/")
    assert response.status == 200
    assert response.content_type == "text/html"
    csp = response.headers["Content-Security-Policy"]
    assert csp == PAGE_CSP
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-cache"


async def test_a_304_for_the_page_keeps_its_policy(widget: Client) -> None:
    # A browser replaces the cached page's headers with the 304's; a 304 with
    # the "nothing" policy would block the page's own script and style.
    etag = (await widget.get("/")).headers["ETag"]
    response = await widget.get("/", headers={"If-None-Match": etag})
    assert response.status == 304
    assert response.headers["Content-Security-Policy"] == PAGE_CSP


async def test_api_answers_allow_nothing_to_run(widget: Client) -> None:
    response = await widget.post("/api/v1/chat", json={"text": "你好"})
    assert (
        response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response = await widget.get("/nowhere")
    assert response.status == 404
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_the_demo_files(widget: Client) -> None:
    css = await widget.get("/static/demo.css")
    assert (css.status, css.headers["Content-Type"]) == (200, "text/css; charset=utf-8")
    icon = await widget.get("/static/favicon.svg")
    assert (icon.status, icon.headers["Content-Type"]) == (200, "image/svg+xml")
    assert (await widget.get("/static/widget.py")).status == 404
    assert (await widget.get("/static/../routes.py")).status == 404


class _Page(HTMLParser):
    """What the CSP would have to allow: scripts, styles, handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script":
            self.scripts.append(named)
            if not named.get("src"):
                self.inline.append("inline <script>")
        if tag == "style":
            self.inline.append("<style>")
        self.inline += [f"{tag} {name}" for name in named if name.startswith("on")]
        if "style" in named:
            self.inline.append(f"{tag} style=")


async def test_the_page_embeds_the_widget_like_a_centres_site(widget: Client) -> None:
    page = _Page()
    page.feed(await (await widget.get("/")).text())
    assert page.inline == []
    [script] = page.scripts
    assert script["src"] == "/widget.js"
    assert "async" in script
    assert {"data-title", "data-color", "data-position", "data-greeting"} <= set(script)
    assert script["data-position"] == "right"
    assert "枣庄" in str(script["data-title"])
