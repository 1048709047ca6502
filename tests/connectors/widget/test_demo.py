"""The demo page speaks for the deployment's centre, escaped, and survives a bad deployment."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from connectors.widget.demo import demo_page, page_facts, render_demo


def test_facts_come_from_the_deployment() -> None:
    page = demo_page({}).body.decode()
    assert "<title>中国（枣庄）知识产权维权援助中心</title>" in page
    assert "12345" in page
    assert "$" not in page.replace("$$", "")  # every placeholder was filled


def test_facts_are_escaped() -> None:
    facts = page_facts(None) | {"centre": '<script>alert(1)</script>"', "short_name": '" onload="x'}
    page = render_demo(facts).decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;" in page
    assert 'data-title="&quot; onload=&quot;x · 在线咨询"' in page


def test_an_unreadable_deployment_gives_neutral_wording(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        page = demo_page({"DEPLOYMENT_FILE": str(tmp_path / "missing.yml")}).body.decode()
    assert "<title>知识产权维权援助中心</title>" in page
    assert "deployment not readable" in caplog.text
