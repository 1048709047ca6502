"""Static checks on widget.js that a browser test would find only by luck, and its storage
privacy functions run in node.

The browser tests (tests/e2e/test_widget_browser.py) show the widget works;
these make sure it never gains a way to parse text as HTML or to load
anything from a host other than its own.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import Any

import pytest

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


def _section(start: str, end: str) -> str:
    return SOURCE[SOURCE.index(start) : SOURCE.index(end)]


# The constants and functions that decide what goes into the host page's storage.
PRIVACY_JS = _section(
    "  // Form questions whose answers are personal", "  var FINANCIAL ="
) + _section(
    "  // ---- Personal data kept out of the page's storage", "  // ---- Stored conversation"
)


def run_js(script: str) -> Any:
    node = shutil.which("node")
    assert node is not None
    result = subprocess.run(
        [node, "-e", f"(function () {{ {PRIVACY_JS}\n{script} }})();"],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


NUMBERS = [
    ("电话13812345678。", "电话138****5678。"),
    ("138.1234.5678", "138****5678"),
    ("138 1234-5678", "138****5678"),
    ("（138）1234-5678", "(138****5678"),  # brackets read as ASCII, like the digits
    ("138—1234—5678", "138****5678"),
    ("１３８１２３４５６７８，好", "138****5678，好"),
    ("①③⑧①②③④⑤⑥⑦⑧", "138****5678"),
    ("+86 139 0532 7781", "139****7781"),
    ("身份证 370402 19900101 1238。", "身份证 3704****1238。"),
    ("370402199001011238", "3704****1238"),
    ("案件编号 WQ-2026-000123，热线 12345，枣市监中心字〔2020〕42号", None),
    ("2020-06-01 发布，第四部分（二）3", None),
]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_phone_and_id_shaped_numbers_are_masked_for_storage() -> None:
    texts = [text for text, _ in NUMBERS]
    masked = run_js(f"console.log(JSON.stringify({json.dumps(texts)}.map(maskNumbers)));")
    assert masked == [expected or text for text, expected in NUMBERS]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_an_application_exchange_is_stored_without_its_personal_answers() -> None:
    def ask(slot: str, text: str) -> dict[str, Any]:
        custom = {"type": "form_question", "slot": slot}
        return {"type": "bot", "question": "", "messages": [{"text": text, "custom": custom}]}

    summary = "请核对申请信息：\n· 联系人：张晓梅\n· 手机号：139****7781\n· 涉及权利：商标，商标注册号：第12345678号"
    entries = [
        ask("contact_name", "请问联系人怎么称呼？"),
        {"type": "user", "text": "张晓梅", "personal": True},
        ask("contact_phone", "张晓梅您好，请留一个手机号。"),
        {"type": "user", "text": "139.0532.7781", "personal": True},
        ask("case_confirmed", summary),
        {"type": "user", "text": "我的电话是 139 0532 7781，身份证370402199001011238"},
    ]
    script = f"""
        typedSecrets.push("张晓梅", "139.0532.7781");
        console.log(JSON.stringify({json.dumps(entries, ensure_ascii=False)}.map(storable)));
    """
    stored = run_js(script)
    dump = json.dumps(stored, ensure_ascii=False)
    for value in ("张晓梅", "139.0532.7781", "13905327781", "12345678", "370402199001011238"):
        assert value not in dump
    assert stored[1] == {
        "type": "user",
        "text": "（已填写。为保护个人信息，刷新后不再显示）",
        "personal": True,
    }
    assert stored[2]["messages"][0]["text"] == "***您好，请留一个手机号。"
    assert stored[4]["messages"][0]["text"].startswith("（申请信息摘要含个人信息")
    assert stored[4]["messages"][0]["custom"] == {"type": "form_question", "slot": "case_confirmed"}
    assert stored[5]["text"] == "我的电话是 139****7781，身份证3704****1238"
    assert stored[0]["messages"][0]["text"] == "请问联系人怎么称呼？"  # questions stay as asked
