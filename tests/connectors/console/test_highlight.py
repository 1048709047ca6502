"""Match offsets for the browser: merged, sorted, in UTF-16 code units."""

from __future__ import annotations

from connectors.console.highlight import highlights, match_spans


def test_every_occurrence_is_marked_in_order() -> None:
    text = "专利侵权纠纷，专利权人可以申请援助。"
    assert match_spans(text, ["援助", "专利"]) == [(0, 2), (7, 9), (15, 17)]


def test_overlapping_and_adjacent_matches_merge() -> None:
    text = "知识产权维权援助中心"
    assert match_spans(text, ["维权", "维权援助", "援助中心"]) == [(4, 10)]
    assert match_spans("abcd", ["ab", "cd"]) == [(0, 4)]


def test_single_characters_only_when_nothing_longer() -> None:
    text = "费用的援助的申请"
    assert match_spans(text, ["的", "援助"]) == [(3, 5)]
    assert match_spans(text, ["的"]) == [(2, 3), (5, 6)]


def test_latin_terms_match_in_any_case_and_blank_terms_do_nothing() -> None:
    assert match_spans("WIPO 与 wipo", ["wipo", " ", ""]) == [(0, 4), (7, 11)]
    assert match_spans("专利", []) == []


def test_terms_are_text_not_patterns() -> None:
    assert match_spans("a.b a+b", [".", "a+b"]) == [(4, 7)]
    assert match_spans("(一)和(二)", ["(二)"]) == [(4, 7)]


def test_offsets_count_utf16_units_after_astral_characters() -> None:
    text = "𠀀专利"  # U+20000 is two UTF-16 units, one Python character
    assert match_spans(text, ["专利"]) == [(1, 3)]
    assert highlights(text, ["专利"]) == [[2, 4]]
    assert highlights("专利", ["专利"]) == [[0, 2]]
