from __future__ import annotations

import pytest

from knowledge.headings import MarkerKind, find_marker, format_section, is_title_line, section_key


@pytest.mark.parametrize(
    ("line", "kind", "label"),
    [
        ("一、总体要求", MarkerKind.CN, "一"),
        ("（二）建立健全知识产权维权援助制度", MarkerKind.CN_PAREN, "（二）"),
        ("(十)加强交流培训。", MarkerKind.CN_PAREN, "（十）"),
        ("3. 受理知识产权维权援助案件", MarkerKind.NUM, "3"),
        ("12.加强知识产权发展联盟建设。", MarkerKind.NUM, "12"),
        ("1、加强执法", MarkerKind.NUM, "1"),
        ("（1）专利", MarkerKind.NUM_PAREN, "（1）"),
        ("①商标", MarkerKind.CIRCLED, "①"),
        ("第五条 维权援助中心应当", MarkerKind.ARTICLE, "第五条"),
        ("第二章 援助范围", MarkerKind.CHAPTER, "第二章"),
    ],
)
def test_markers_of_official_documents(line: str, kind: MarkerKind, label: str) -> None:
    marker = find_marker(line)
    assert marker is not None
    assert marker.kind is kind
    assert marker.label == label


@pytest.mark.parametrize(
    "line", ["2021年强化知识产权保护工作要点", "1.5万元资助", "9+2改革攻坚行动", "一、", "正文"]
)
def test_ordinary_lines_are_not_markers(line: str) -> None:
    assert find_marker(line) is None


def test_title_line_versus_item() -> None:
    assert is_title_line("一、总体要求")
    assert is_title_line("（二）建立健全知识产权维权援助制度，规范流程畅通渠道")
    assert not is_title_line("1.加强知识产权行政执法。开展知识产权执法保护专项行动。")


def test_section_labels() -> None:
    assert format_section(["四", "（二）", "3"]) == "四（二）3"
    assert format_section(["二", "3"]) == "二、3"
    assert format_section(["第二章", "第五条"]) == "第二章第五条"
    assert section_key("四、(二)3.") == "四（二）3"
    assert section_key("二、3") == "二、3"
