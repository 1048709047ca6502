"""Markdown made plain, and long text cut into messages without losing anything."""

from __future__ import annotations

import re

import pytest

from connectors.wechat.plaintext import markdown_to_plain, split_text, utf8_len


@pytest.mark.parametrize(
    ("markdown", "plain"),
    [
        ("**可以**申请援助", "可以申请援助"),
        ("__注意__：*三十日*内", "注意：三十日内"),
        ("详见[办事指南](https://example.org/a)", "详见办事指南（https://example.org/a）"),
        ("[https://x.cn](https://x.cn)", "https://x.cn"),
        ("![图](https://x.cn/a.png)说明", "图说明"),
        ("## 申请条件\n- 个人\n* 小微企业\n+ 社会组织", "申请条件\n· 个人\n· 小微企业\n· 社会组织"),
        ("> 引用的条文\n\n---\n\n结论", "引用的条文\n\n结论"),
        ("用 `code` 和 ~~删除~~", "用 code 和 删除"),
        ("```\n代码块\n```", "代码块"),
        ("1. 第一步\n2. 第二步", "1. 第一步\n2. 第二步"),
        ("3 * 4 = 12，a*b 不变", "3 * 4 = 12，a*b 不变"),
        ("行一\n\n\n\n行二", "行一\n\n行二"),
    ],
)
def test_markdown_to_plain(markdown: str, plain: str) -> None:
    assert markdown_to_plain(markdown) == plain


def _sentences(count: int) -> str:
    return "".join(f"这是第{i}句关于专利侵权援助的说明。" for i in range(count))


def test_short_text_is_one_piece() -> None:
    assert split_text("  你好  ", 2000) == ["你好"]
    assert split_text(" \n ", 2000) == []


def test_long_text_is_cut_at_sentences_and_nothing_is_lost() -> None:
    text = _sentences(120)
    assert utf8_len(text) > 5000
    pieces = split_text(text, 2000)
    assert len(pieces) >= 3
    assert all(utf8_len(p) <= 2000 for p in pieces)
    assert "".join(pieces) == text
    assert all(p.endswith("。") for p in pieces)


def test_line_boundaries_win_over_sentences() -> None:
    lines = [_sentences(10) for _ in range(8)]
    pieces = split_text("\n".join(lines), 2000)
    assert all(utf8_len(p) <= 2000 for p in pieces)
    assert "\n".join(pieces) == "\n".join(lines)  # only the line breaks at the cuts go


def test_a_sentence_without_ends_falls_back_to_clauses_then_characters() -> None:
    clauses = "，".join(["专利侵权纠纷援助"] * 300)
    pieces = split_text(clauses, 500)
    assert all(utf8_len(p) <= 500 for p in pieces)
    assert "".join(pieces) == clauses
    assert all(p.endswith("，") for p in pieces[:-1])
    solid = "字" * 1000 + "😀" * 50
    pieces = split_text(solid, 301)
    assert all(utf8_len(p) <= 301 for p in pieces)
    assert "".join(pieces) == solid


@pytest.mark.parametrize("limit", [200, 777, 2000])
def test_any_text_round_trips_modulo_cut_line_breaks(limit: int) -> None:
    text = "\n".join(f"第{i}段：" + "说明，" * (i * 7 % 50) + "完。" for i in range(200))
    pieces = split_text(text, limit)
    assert all(0 < utf8_len(p) <= limit for p in pieces)
    assert re.sub(r"\s", "", "".join(pieces)) == re.sub(r"\s", "", text)
