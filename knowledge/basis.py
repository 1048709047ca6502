"""The documents a document says it implements: 根据《…》精神, 为贯彻落实…《…》（文号）.

A document names its basis after a trigger word (根据, 依据, 按照, 贯彻, 落实 …)
as a run of titles in 《》, each perhaps with its issuer before it and its 文号
in brackets after it: 为深入贯彻落实国家知识产权局《关于…的指导意见》（国知发保字〔2020〕22号）精神.
The run ends at the first comma or at words that are not a connector (和, 及, 、).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from knowledge.official_names import is_org_name

_TRIGGER = re.compile(r"贯彻落实|贯彻执行|贯彻|落实|执行|实施|根据|依据|依照|按照|遵照")
_TITLE_TRIGGER = re.compile(r"贯彻落实|贯彻执行|贯彻|落实|执行|实施")
_ADVERBS = re.compile(r"^(?:深入|认真|全面|进一步|切实|坚决|更好地?)+")
_NUMBER_NOTE = re.compile(
    r"^[（(]\s*([\u4e00-\u9fff]{1,16}[〔［\[（(]\d{4}[〕］\]）)]\s*第?\d{1,4}号)\s*[）)]"
)
_OTHER_NOTE = re.compile(r"^[（(][^（）()]{0,40}[）)]")
_CONNECTOR = re.compile(r"^(?:以及|、|和|及|与)")
_GAP_STOP = re.compile(r"[，。；：！？,;:!?》]")
_MAX_GAP = 30


@dataclass(frozen=True)
class ReferencedDocument:
    """A document another one implements: 国家知识产权局《…》（国知发保字〔2020〕22号）."""

    title: str  # without 《》
    doc_number: str = ""
    issuer: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"title": self.title, "doc_number": self.doc_number, "issuer": self.issuer}


def _bare(title: str) -> str:
    return re.sub(r"[《》〈〉\s]", "", title)


def _closing(text: str, start: int) -> int:
    """Index of the 》 that closes the 《 at `start` (nested 《 counted), or -1."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "《":
            depth += 1
        elif text[index] == "》":
            depth -= 1
            if depth == 0:
                return index
    return -1


def _issuer_of(gap: str) -> str:
    """The words between a trigger and 《 when they name a body: 国家知识产权局, 中办、国办."""
    gap = _ADVERBS.sub("", _TRIGGER.sub("", gap, count=1) if _TRIGGER.match(gap) else gap)
    return gap if gap and all(is_org_name(p) for p in gap.split("、")) else ""


def _references(text: str, start: int) -> list[ReferencedDocument]:
    """The run of 《…》 that follows a trigger: 根据《A》（文号）和《B》精神."""
    found: list[ReferencedDocument] = []
    position = start
    while True:
        opening = text.find("《", position)
        gap = text[position:opening] if opening >= 0 else ""
        if opening < 0 or len(gap) > _MAX_GAP or _GAP_STOP.search(gap):
            return found
        close = _closing(text, opening)
        if close < 0:
            return found
        title = text[opening + 1 : close]
        rest = text[close + 1 :]
        number = _NUMBER_NOTE.match(rest)
        note = number or _OTHER_NOTE.match(rest)
        rest = rest[note.end() :] if note else rest
        found.append(ReferencedDocument(title, number.group(1) if number else "", _issuer_of(gap)))
        connector = _CONNECTOR.match(rest)
        if connector is None and not rest.startswith("《"):
            return found
        position = len(text) - len(rest) + (connector.end() if connector else 0)


def references_in(texts: Iterable[str], in_title: bool = False) -> list[ReferencedDocument]:
    """Every run of titles after a trigger in `texts`.

    In a title only 贯彻/落实/实施 count: 根据 there is rare, and "印发《…》"
    names the document itself.
    """
    triggers = _TITLE_TRIGGER if in_title else _TRIGGER
    found: list[ReferencedDocument] = []
    for text in texts:
        for match in triggers.finditer(text):
            found.extend(_references(text, match.end()))
    return found


def merged(references: list[ReferencedDocument], title: str) -> tuple[ReferencedDocument, ...]:
    """Each document once, with the 文号 and issuer of any of its mentions; never itself."""
    own = _bare(title)
    by_title: dict[str, ReferencedDocument] = {}
    for reference in references:
        key = _bare(reference.title)
        if not key or key == own:
            continue
        known = by_title.get(key)
        by_title[key] = ReferencedDocument(
            reference.title if known is None else known.title,
            (known.doc_number if known else "") or reference.doc_number,
            (known.issuer if known else "") or reference.issuer,
        )
    return tuple(by_title.values())
