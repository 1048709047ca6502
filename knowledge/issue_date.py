"""The date a document was issued, to the precision it is known.

A document's date may be known to the day (2021年6月17日), to the month or the
year only (a curator wrote "2021-06" because the printed line is damaged), or
not at all. `IssueDate` keeps that precision instead of inventing the missing
parts, and refuses what is not a real calendar date.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

_ISO = re.compile(r"^(\d{4})(?:[-./](\d{1,2})(?:[-./](\d{1,2}))?)?$")
_ARABIC = re.compile(r"^(\d{4})\s*年(?:\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?)?$")
_CN_DIGITS = "〇一二三四五六七八九"
_CHINESE = re.compile(
    r"^([〇零一二三四五六七八九]{4})年(?:([一二三四五六七八九十]{1,2})月(?:([一二三四五六七八九十]{1,3})日)?)?$"
)
_LEADING_YEAR = re.compile(r"^(\d{4})\s*年")
_YEARS = range(1949, 2101)


def _small_number(text: str) -> int | None:
    """十七 → 17, 二十 → 20, 三十一 → 31, 七 → 7 (the numbers of months and days)."""
    if "十" not in text:
        return _CN_DIGITS.index(text) if len(text) == 1 and text in _CN_DIGITS else None
    tens, _, units = text.partition("十")
    tens_value = 1 if not tens else (_CN_DIGITS.index(tens) if tens in _CN_DIGITS else None)
    units_value = 0 if not units else (_CN_DIGITS.index(units) if units in _CN_DIGITS else None)
    if tens_value is None or units_value is None or len(tens) > 1 or len(units) > 1:
        return None
    return tens_value * 10 + units_value


@dataclass(frozen=True, order=True)
class IssueDate:
    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def of(cls, year: int, month: int | None = None, day: int | None = None) -> IssueDate | None:
        """A date if these parts make a real one (a day needs its month), else None."""
        if year not in _YEARS or (day is not None and month is None):
            return None
        if month is not None and not 1 <= month <= 12:
            return None
        if day is not None and month is not None:
            try:
                datetime.date(year, month, day)
            except ValueError:
                return None
        return cls(year, month, day)

    @classmethod
    def parse(cls, text: str) -> IssueDate | None:
        """2021-06-17, 2021-06, 2021, 2021年6月17日, 二〇二一年六月十七日; None if unreadable."""
        text = text.strip()
        match = _ISO.match(text) or _ARABIC.match(text)
        if match:
            year, month, day = match.groups()
            return cls.of(int(year), int(month) if month else None, int(day) if day else None)
        match = _CHINESE.match(text)
        if not match:
            return None
        year_text, month_text, day_text = match.groups()
        year = int("".join(str(_CN_DIGITS.index(c.replace("零", "〇"))) for c in year_text))
        month = _small_number(month_text) if month_text else None
        day = _small_number(day_text) if day_text else None
        if (month_text and month is None) or (day_text and day is None):
            return None
        return cls.of(year, month, day)

    @classmethod
    def leading_year(cls, text: str) -> IssueDate | None:
        """Only the year of a damaged date such as "2021年69": what is surely printed."""
        match = _LEADING_YEAR.match(text.strip())
        return cls.of(int(match.group(1))) if match else None

    @property
    def iso(self) -> str:
        """2021-06-17, 2021-06 or 2021: as precise as known."""
        parts = [f"{self.year:04d}"]
        if self.month is not None:
            parts.append(f"{self.month:02d}")
        if self.day is not None:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)

    @property
    def chinese(self) -> str:
        """2021年6月17日, 2021年6月 or 2021年."""
        text = f"{self.year}年"
        if self.month is not None:
            text += f"{self.month}月"
        if self.day is not None:
            text += f"{self.day}日"
        return text
