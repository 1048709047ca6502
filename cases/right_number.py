"""Masking of the right's number (专利号, 商标注册号) in views staff read over shoulders.

A patent or trademark number is personal data here: the public registers of
CNIPA name the holder of every number, so a full number in a masked case view
names the applicant as surely as their phone number would. The masked form
keeps what tells two cases apart at a glance without being searchable: the
first four characters of a long number (the application year of a patent,
or its ZL/CN prefix) and the last two (the check digit), every other
character a star. Short numbers (a trademark registration number has up to
eight digits) keep only their last two; four characters or fewer, nothing.
"""

from __future__ import annotations

LONG = 12  # patent application numbers have 12 or 13 digits
SHORT = 4


def mask_right_number(number: str) -> str:
    """`202130123456.8` → `2021********.8`; `12345678` → `******78`."""
    text = number.strip()
    if len(text) <= SHORT:
        return "*" * len(text)
    head = 4 if len(text) >= LONG else 0
    tail = 2
    return text[:head] + "*" * (len(text) - head - tail) + text[len(text) - tail :]


def mask_right_number_in(text: str, number: str | None) -> str:
    """`text` with every occurrence of this case's own right number masked.

    People type their patent number into the description as well; the
    number of the case at hand is known exactly, so it is found verbatim.
    """
    if not number or not number.strip():
        return text
    return text.replace(number.strip(), mask_right_number(number))
