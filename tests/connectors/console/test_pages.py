"""The sign-in and console pages: served with the strict policy, no inline code, safe scripts."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from connectors.console.pages import STATIC
from connectors.widget.security import PAGE_CSP
from tests.connectors.console.conftest import Console

PAGES = ("console.html", "login.html")
SCRIPTS = ("console.js", "login.js")


class Inline(HTMLParser):
    """Collects whatever a strict CSP would block: inline scripts, handlers, styles."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script":
            self._in_script = True
            source = dict(attrs).get("src")
            if not source:
                self.problems.append("script without src")
            else:
                self.scripts.append(source)
        if tag == "style":
            self.problems.append("style element")
        self.problems += [f"{tag}[{n}]" for n in names if n.startswith("on") or n == "style"]
        if tag == "form" and (dict(attrs).get("method") or "").lower() != "post":
            self.problems.append("form that would put its fields into a URL")
        href = dict(attrs).get("href") or ""
        if href.lower().startswith("javascript:"):
            self.problems.append("javascript: URL")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append("inline script text")


@pytest.mark.parametrize("name", PAGES)
def test_pages_have_no_inline_code(name: str) -> None:
    page = Inline()
    page.feed((STATIC / name).read_text(encoding="utf-8"))
    assert page.problems == []
    assert page.scripts and all(src.startswith("/console/static/") for src in page.scripts)


def test_the_checker_finds_inline_code() -> None:
    page = Inline()
    page.feed('<script>alert(1)</script><a href="#" onclick="x()" style="color:red">x</a>')
    page.feed("<form><input name=password></form>")
    assert set(page.problems) == {
        "script without src",
        "inline script text",
        "a[onclick]",
        "a[style]",
        "form that would put its fields into a URL",
    }


async def test_the_sign_in_page_is_served_with_the_strict_policy(console: Console) -> None:
    response = await console.client.get("/console/login")
    assert response.status == 200
    assert response.content_type == "text/html"
    assert response.headers["Content-Security-Policy"] == PAGE_CSP
    assert "unsafe-inline" not in PAGE_CSP and "script-src 'self'" in PAGE_CSP
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert await response.read() == (STATIC / "login.html").read_bytes()


async def test_the_console_sends_strangers_to_sign_in(console: Console) -> None:
    response = await console.client.get("/console", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/console/login"


async def test_the_console_page_for_an_agent(console: Console) -> None:
    await console.signed_in()
    response = await console.client.get("/console", allow_redirects=False)
    assert response.status == 200
    assert response.headers["Content-Security-Policy"] == PAGE_CSP
    assert await response.read() == (STATIC / "console.html").read_bytes()
    again = await console.client.get("/console/login", allow_redirects=False)
    assert (again.status, again.headers["Location"]) == (303, "/console")


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/console/static/console.js", "text/javascript"),
        ("/console/static/login.js", "text/javascript"),
        ("/console/static/console.css", "text/css"),
    ],
)
async def test_static_files(console: Console, path: str, content_type: str) -> None:
    response = await console.client.get(path)
    assert response.status == 200
    assert response.content_type == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "ETag" in response.headers


def _code(name: str) -> str:
    return re.sub(r"/\*.*?\*/", "", (STATIC / name).read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("name", SCRIPTS)
def test_scripts_never_parse_text_as_html(name: str) -> None:
    code = _code(name)
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "new Function", "srcdoc", "createContextualFragment", ".style."):  # fmt: skip
        assert sink not in code, sink
    assert not re.findall(r"https?://", code)  # nothing from another host


def test_the_console_script_keeps_its_promises() -> None:
    code = _code("console.js")
    assert "DEBOUNCE_MS = 250" in code
    assert '"X-CSRF-Token"' in code
    assert "navigator.clipboard" in code and 'execCommand("copy")' in code
    for key in ('"ArrowDown"', '"ArrowUp"', '"Enter"', "isComposing"):
        assert key in code
    assert "/api/v1/search?" in code and "AbortController" in code
    assert "createTextNode" in code  # marks are built from text nodes


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize("name", SCRIPTS)
def test_scripts_are_valid_javascript(name: str) -> None:
    node = shutil.which("node")
    assert node is not None
    result = subprocess.run(
        [node, "--check", str(STATIC / name)], capture_output=True, text=True, timeout=20
    )
    assert result.returncode == 0, result.stderr
