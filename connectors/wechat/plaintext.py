"""Text for a WeChat chat bubble: markdown made plain, long text cut into messages.

WeChat shows text messages as they are: `**` and `[..](..)` would be printed
literally, so the little markdown the bot's answers use is turned into plain
text. A text message holds about 2,048 bytes of UTF-8 (roughly 680 Chinese
characters), so longer answers are cut at the most natural boundary that fits:
a line, else a sentence, else a clause, else between two characters. Nothing
is dropped and the order is kept; only the line break at a cut disappears.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_FENCE = re.compile(r"^\s*(```|~~~).*$", re.MULTILINE)
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$", re.MULTILINE)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE)
_QUOTE = re.compile(r"^\s{0,3}>\s?", re.MULTILINE)
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.MULTILINE)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\(\s*(\S+?)(?:\s+\"[^\"]*\")?\s*\)")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
# Chinese text puts *emphasis* right against characters, so only ASCII letters and
# digits around a star mean "not emphasis" (a*b, 3*4).
_ITALIC = re.compile(r"(?<![A-Za-z0-9*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![A-Za-z0-9*])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_CODE = re.compile(r"`([^`\n]+)`")
_BLANK_LINES = re.compile(r"\n{3,}")

_SENTENCE_END = re.compile(r"[。！？!?；;…]+[”’」』）)\]]*")
_CLAUSE_END = re.compile(r"[，,、：:]")


def markdown_to_plain(text: str) -> str:
    """The text a person should read where the bot wrote markdown."""
    text = _FENCE.sub("", text)
    text = _RULE.sub("", text)
    text = _HEADING.sub(r"\1", text)
    text = _QUOTE.sub("", text)
    text = _BULLET.sub(r"\1· ", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(_link, text)
    text = _BOLD.sub(r"\2", text)
    text = _ITALIC.sub(r"\1", text)
    text = _STRIKE.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


def _link(match: re.Match[str]) -> str:
    label, url = match.group(1), match.group(2)
    return url if label.strip() == url else f"{label}（{url}）"


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8", "replace"))


def split_text(text: str, max_bytes: int) -> list[str]:
    """`text` in pieces of at most `max_bytes` UTF-8 bytes, cut at natural boundaries.

    Returns:
        The pieces in order, none empty; [] for blank text.
    """
    text = text.strip()
    if not text:
        return []
    if utf8_len(text) <= max_bytes:
        return [text]
    pieces: list[str] = []
    current = ""
    for unit in _units(text, max_bytes):
        if current and utf8_len(current + unit) > max_bytes:
            pieces.append(current)
            current = unit
        else:
            current += unit
    pieces.append(current)
    return [p for p in (piece.strip("\n") for piece in pieces) if p.strip()]


def _units(text: str, max_bytes: int) -> list[str]:
    """`text` as consecutive units that each fit, the coarsest boundary first."""
    splitters: list[Callable[[str], list[str]]] = [
        lambda s: s.splitlines(keepends=True),
        lambda s: _cut_after(s, _SENTENCE_END),
        lambda s: _cut_after(s, _CLAUSE_END),
        lambda s: _cut_chars(s, max_bytes),
    ]

    def refine(piece: str, level: int) -> list[str]:
        if utf8_len(piece) <= max_bytes or level == len(splitters):
            return [piece]
        return [unit for part in splitters[level](piece) for unit in refine(part, level + 1)]

    return refine(text, 0)


def _cut_after(text: str, boundary: re.Pattern[str]) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in boundary.finditer(text):
        pieces.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _cut_chars(text: str, max_bytes: int) -> list[str]:
    """Between characters, never inside one: each piece fits in `max_bytes`."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in text:
        width = utf8_len(char)
        if current and size + width > max_bytes:
            pieces.append("".join(current))
            current = []
            size = 0
        current.append(char)
        size += width
    if current:
        pieces.append("".join(current))
    return pieces
