"""Where the searched words occur in a passage, as offsets the browser can use.

The server knows the words the engine searched for (typed, mended and
expanded: `SearchResponse.terms`), the browser does not, so the offsets are
computed here. They are counted in UTF-16 code units because that is how
JavaScript strings index (`text.slice(start, end)`); for the Chinese of the
corpus that is one unit a character, but a character outside the Basic
Multilingual Plane would otherwise shift every later mark. The page builds
the marks from text nodes, so no text is ever parsed as HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

Span = tuple[int, int]
MAX_TERMS = 32


def _useful_terms(terms: Iterable[str]) -> list[str]:
    """Distinct non-blank terms, longest first; single characters only when nothing longer.

    A lone character (了, 的, 费) matches all over a passage and drowns the
    real matches, so it is marked only when it is all there is.
    """
    unique = sorted({t.strip() for t in terms if t and t.strip()}, key=lambda t: (-len(t), t))
    longer = [t for t in unique if len(t) > 1]
    return (longer or unique)[:MAX_TERMS]


def match_spans(text: str, terms: Iterable[str]) -> list[Span]:
    """Non-overlapping, sorted (start, end) character offsets of the terms in `text`."""
    spans: list[Span] = []
    for term in _useful_terms(terms):
        spans.extend(m.span() for m in re.finditer(re.escape(term), text, re.IGNORECASE))
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def utf16_spans(text: str, spans: list[Span]) -> list[list[int]]:
    """Character offsets turned into UTF-16 code-unit offsets, as JSON pairs."""
    if text.isascii() or all(ord(char) < 0x10000 for char in text):
        return [[start, end] for start, end in spans]
    units = [0]
    for char in text:
        units.append(units[-1] + (2 if ord(char) >= 0x10000 else 1))
    return [[units[start], units[end]] for start, end in spans]


def highlights(text: str, terms: Iterable[str]) -> list[list[int]]:
    """The marks of one passage: `[[start, end], …]` in UTF-16 code units."""
    return utf16_spans(text, match_spans(text, terms))
