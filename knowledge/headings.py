"""Enumeration markers of Chinese official documents (公文) and their labels.

A policy document numbers its parts with a small set of marker styles: 一、 for
parts, （一） for sections, 1. for items, （1） and ① below them, and 第X章 / 第X条
in regulations. Which style sits at which depth differs between documents, so
this module only recognises markers; `structure.py` derives the hierarchy from
the order in which a document uses them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

CN_NUMERAL = "零〇一二三四五六七八九十百两"

# Sentence-final punctuation: a paragraph ending in one of these is complete.
TERMINAL_PUNCT = "。！？；：…!?;:"
# Closing marks that end a paragraph when they follow terminal punctuation.
CLOSING_PUNCT = "”’」』）)》】"


class MarkerKind(Enum):
    """The marker styles, each with the canonical form used in labels."""

    CHAPTER = "chapter"  # 第一章
    SECTION = "section"  # 第一节
    ARTICLE = "article"  # 第一条
    CN = "cn"  # 一、
    CN_PAREN = "cn_paren"  # （一）
    NUM = "num"  # 1.  1．  1、
    NUM_PAREN = "num_paren"  # （1）
    CIRCLED = "circled"  # ①


# Marker styles that open parts and sections, whose lines are often bare titles.
_SECTION_KINDS = frozenset(
    {MarkerKind.CHAPTER, MarkerKind.SECTION, MarkerKind.ARTICLE, MarkerKind.CN, MarkerKind.CN_PAREN}
)

_PATTERNS: list[tuple[MarkerKind, re.Pattern[str]]] = [
    (MarkerKind.CHAPTER, re.compile(rf"^第([{CN_NUMERAL}\d]{{1,5}})章\s*")),
    (MarkerKind.SECTION, re.compile(rf"^第([{CN_NUMERAL}\d]{{1,5}})节\s*")),
    (MarkerKind.ARTICLE, re.compile(rf"^第([{CN_NUMERAL}\d]{{1,6}})条\s*")),
    (MarkerKind.CN, re.compile(rf"^([{CN_NUMERAL}]{{1,4}})[、，,．.]\s*")),
    (MarkerKind.CN_PAREN, re.compile(rf"^[（(]([{CN_NUMERAL}]{{1,4}})[）)]\s*")),
    # "1." but not "1.5万元"; at most three digits so "2021年" never matches.
    (MarkerKind.NUM, re.compile(r"^(\d{1,3})(?:[.．]|、)(?!\d)\s*")),
    (MarkerKind.NUM_PAREN, re.compile(r"^[（(](\d{1,3})[）)]\s*")),
    (MarkerKind.CIRCLED, re.compile(r"^([①-⑳])\s*")),
]


@dataclass(frozen=True)
class Marker:
    """A marker found at the start of a paragraph."""

    kind: MarkerKind
    value: str  # the numeral as written: "四", "3", "①"
    length: int  # characters the marker occupies, including trailing spaces

    @property
    def label(self) -> str:
        """Canonical written form, e.g. "四", "（二）", "3", "第五条"."""
        if self.kind in (MarkerKind.CN_PAREN, MarkerKind.NUM_PAREN):
            return f"（{self.value}）"
        if self.kind is MarkerKind.CHAPTER:
            return f"第{self.value}章"
        if self.kind is MarkerKind.SECTION:
            return f"第{self.value}节"
        if self.kind is MarkerKind.ARTICLE:
            return f"第{self.value}条"
        return self.value


def find_marker(paragraph: str) -> Marker | None:
    """Return the enumeration marker that opens `paragraph`, if any."""
    for kind, pattern in _PATTERNS:
        match = pattern.match(paragraph)
        if match and match.end() < len(paragraph):
            return Marker(kind=kind, value=match.group(1), length=match.end())
    return None


def is_title_line(paragraph: str, max_chars: int = 40) -> bool:
    """True for a numbered heading that stands alone, e.g. "一、总体要求".

    Such a line never continues onto the next one, so the line joiner leaves it
    alone; an item such as "1. 加强……。开展……" is not a title line.
    """
    marker = find_marker(paragraph)
    if marker is None:
        return False
    rest = paragraph[marker.length :]
    if len(rest) > max_chars or any(ch in TERMINAL_PUNCT for ch in rest):
        return False
    # Numbered items (1. ①) are sentences far more often than headings: one
    # with a comma is a sentence running on to the next line.
    return marker.kind in _SECTION_KINDS or not any(ch in "，、" for ch in rest)


def format_section(labels: list[str]) -> str:
    """Join level labels into the compact citation form used everywhere.

    ["四", "（二）", "3"] → "四（二）3"; a part numeral directly followed by an
    item number keeps the document's 、 so it does not read as one number:
    ["二", "3"] → "二、3".
    """
    out = ""
    for index, label in enumerate(labels):
        if index and out[-1] in CN_NUMERAL and label[:1].isdigit():
            out += "、"
        out += label
    return out


def section_key(section: str) -> str:
    """Normalise a section reference for comparison ("四、(二)3." → "四（二）3")."""
    key = section.replace("(", "（").replace(")", "）")
    key = re.sub(r"[\s.．]", "", key)
    key = re.sub(r"、(?=\d)", "\x00", key)  # keep the 、 between 二 and 3
    return key.replace("、", "").replace("\x00", "、")
