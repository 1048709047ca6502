"""Text laid out in columns the way a terminal shows it: CJK characters take two."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def width(text: str) -> int:
    """Columns a terminal gives `text`: CJK characters take two."""
    return sum(
        0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
        for char in text
    )


def pad(text: str, columns: int) -> str:
    return text + " " * max(columns - width(text), 0)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    columns = [max(width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(pad(cell, columns[i]) for i, cell in enumerate(row)).rstrip()
        for row in [header, *rows]
    ]
