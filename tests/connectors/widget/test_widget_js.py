"""Static checks on widget.js that a browser test would find only by luck.

The browser tests (tests/e2e/test_widget_browser.py) show the widget works;
these make sure it never gains a way to parse text as HTML or to load
anything from a host other than its own.
"""

from __future__ import annotations

import re

from connectors.widget.assets import STATIC

SOURCE = (STATIC / "widget.js").read_text(encoding="utf-8")
CODE = re.sub(r"/\*.*?\*/", "", SOURCE, flags=re.S)  # the header comment shows usage


def test_no_html_parsing_sinks() -> None:
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "new Function", "setAttribute(\"on", "srcdoc", "createContextualFragment"):  # fmt: skip
        assert sink not in CODE, sink


def test_no_other_hosts() -> None:
    urls = set(re.findall(r"https?://[^\s\"')]+", CODE))
    assert urls == {"http://www.w3.org/2000/svg"}  # an XML namespace, never fetched


def test_the_automation_hooks_are_there() -> None:
    for role in ("launcher", "input", "send", "bot-message"):
        assert f'"data-role": "{role}"' in CODE


def test_the_contract_paths_and_options() -> None:
    assert '"api/v1/chat"' in CODE and '"api/v1/feedback"' in CODE
    for option in ("title", "color", "position", "greeting"):
        assert f"data.{option}" in CODE
    assert 'mode: "open"' in CODE
    assert '"/ask_human"' in CODE and "转人工" in CODE
