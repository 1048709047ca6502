"""Masking of personal numbers before they reach a log line or a summary.

Intake collects phone numbers, identity card numbers and credit codes. Logs and
case summaries are read by more people, and kept longer, than the case file
itself, so they get masked forms: enough left to tell two numbers apart
(`138****5678`), not enough to reuse them.

`redact` masks numbers inside free text. It runs on every log line, so it is
one compiled regex pass; a credit code is masked only when its check character
is right, otherwise every 18-character product code or hash fragment would be.
Identity numbers are masked by shape (region, birth date) without their check
digit: a mistyped ID is still someone's ID.

`install_redaction()` is called once at process start, after logging is
configured. It masks every record as it is created (a record factory), so
handlers added later — by Rasa, Sanic or a test — are covered too, and it puts
a `RedactingFilter` on the handlers already there, which also covers records
built by hand and string extras.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from cases.validation import credit_code, is_number_separator

__all__ = [
    "RedactingFilter",
    "install_redaction",
    "mask_credit_code",
    "mask_id",
    "mask_name",
    "mask_phone",
    "redact",
]


def _keep_ends(text: str, head: int, tail: int) -> str:
    """Stars between the first `head` and last `tail` characters; all stars if too short."""
    if len(text) <= head + tail:
        return "*" * len(text)
    return text[:head] + "*" * (len(text) - head - tail) + text[len(text) - tail :]


def mask_phone(number: str) -> str:
    """`13812345678` → `138****5678`: carrier prefix and last four kept."""
    return _keep_ends(number, 3, 4)


def mask_id(number: str) -> str:
    """`370402199001011234` → `3704**********1234`: birth date and sequence hidden."""
    return _keep_ends(number, 4, 4)


def mask_credit_code(code: str) -> str:
    """First four and last four characters of a credit code kept."""
    return _keep_ends(code, 4, 4)


def mask_name(name: str) -> str:
    """`张三丰` → `张**`: the first character (usually the surname) kept."""
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    return name[0] + "*" * (len(name) - 1)


# How numbers are found in free text. People type a number in many shapes —
# "138.1234.5678", "(138)1234-5678", "１３８—１２３４—５６７８", circled digits,
# an ID in groups "370402 19900101 1238" — and the validators accept them all
# (cases/validation.py). Redaction reads text the same way: each character is
# NFKC-normalised on its own, characters the validators treat as separators
# become one soft mark, and the number patterns allow that mark between any
# two of their characters. A soft mark also counts as a boundary, so a number
# written apart from its neighbours is found while one glued to more digits
# (an order number, a timestamp) is not personal data. Letters before a phone
# do not matter ("TEL13812345678"); credit codes mix letters and digits, so
# for them any letter or digit right beside means "part of a longer token".
_SOFT = "\x00"  # stands for a run of separators
_HARD = "\x01"  # stands for an escape sequence, which nothing may cross


def _loose(*atoms: str) -> str:
    """The atoms in a row, with an optional soft mark between any two."""
    return f"{_SOFT}?".join(atoms)


def _either(*choices: str) -> str:
    return "(?:" + "|".join(choices) + ")"


_D = "[0-9]"
_DATE = _loose(
    _either(_loose("0", "[1-9]"), _loose("1", "[0-2]")),
    _either(_loose("0", "[1-9]"), _loose("[12]", _D), _loose("3", "[01]")),
)
_PHONE = (
    rf"(?<![0-9])(?P<cc>{_either(_loose('0', '0'), '[+]')}?{_SOFT}?{_loose('8', '6')}{_SOFT}?)?"
    rf"(?P<mobile>{_loose('1', '[3-9]', *[_D] * 9)})(?![0-9])"
)
_ID18 = _loose("[1-9]", *[_D] * 5, _either(_loose("1", "[89]"), _loose("2", "0")), _D, _D)
_ID18 += _SOFT + "?" + _loose(_DATE, _D, _D, _D, "[0-9Xx]")
_ID15 = _loose("[1-9]", *[_D] * 7, _DATE, _D, _D, _D)
_CREDIT = _loose(*["[0-9A-HJ-NP-RTUW-Y]"] * 18)
_PERSONAL = re.compile(
    rf"(?P<phone>{_PHONE})"
    rf"|(?<![0-9])(?P<id>{_ID18}|{_ID15})(?![0-9])"
    rf"|(?<![0-9A-Za-z])(?P<credit>{_CREDIT})(?![0-9A-Za-z])",
    re.IGNORECASE,
)
_PHONE_ONLY = re.compile(_PHONE)
# Stretches of text that may hold a number: ASCII letters and digits,
# separators, and the non-ASCII characters NFKC may turn into either. Any
# other character (Chinese, most punctuation) ends a number, so only these
# stretches are read character by character.
_STRETCH = re.compile(
    "[0-9A-Za-z\\s\\-\u2010-\u2015\u2212\ufe63.\u00b7\u30fb\u2022()"
    "\u00b2\u00b3\u00b9\u2070-\u209c\u2150-\u218b\u2460-\u24ff\u2776-\u2793"
    "\u3000\u3007\u3220-\u325f\u3280-\u32bf\uff01-\uff5e\U0001d400-\U0001d7ff"
    "\U0001f100-\U0001f10c]+"
)
_DIGIT_LIKE = re.compile(
    "[0-9\uff10-\uff19\u2460-\u249b\u24ea-\u24ff\u2776-\u2793\u00b2\u00b3\u00b9"
    "\u2070-\u2089\u3220-\u3229\u3280-\u3289\U0001d7ce-\U0001d7ff\U0001f100-\U0001f10c]"
)
# Every phone, ID and credit code has at least six digits (a credit code's
# region segment): a line with fewer digit-like characters is returned at once.
_MIN_DIGITS = 6
# Rasa's debug logs print JSON with non-ASCII characters escaped: in
# "\u8bc1370402…" the escape's last hex digit is no part of the number that
# follows, so escapes are cut out before matching (kept, as hard boundaries).
_ESCAPE = re.compile(r"(\\(?:u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}))")


class _Marked:
    """A stretch of text as the patterns read it, and the way back to the original.

    `text` holds one character per significant ASCII character (a circled ⑩
    gives two), `_SOFT` for each run of separators and `_HARD` for any other
    character. For a significant character `where[i]` is the original
    character it comes from and its place among that character's NFKC pieces.
    """

    def __init__(self, original: str) -> None:
        self.original = original
        chars: list[str] = []
        self.where: dict[int, tuple[int, int]] = {}
        for index, char in enumerate(original):
            normal = char if char.isascii() else unicodedata.normalize("NFKC", char)
            if not all((p.isascii() and p.isalnum()) or is_number_separator(p) for p in normal):
                chars.append(_HARD)  # a character nothing of a number is made of
                continue
            for place, piece in enumerate(normal):
                if piece.isalnum():
                    self.where[len(chars)] = (index, place)
                    chars.append(piece)
                elif not chars or chars[-1] != _SOFT:
                    chars.append(_SOFT)
        self.text = "".join(chars)

    def star(self, start: int, end: int, keep_head: int, keep_tail: int) -> set[tuple[int, int]]:
        """The pieces to star in characters start..end: all significant ones but
        the first `keep_head` and the last `keep_tail`."""
        significant = [self.where[i] for i in range(start, end) if i in self.where]
        return set(significant[keep_head : max(keep_head, len(significant) - keep_tail)])

    def render(self, starred: set[tuple[int, int]]) -> str:
        """The original with the starred pieces replaced by `*`; the rest as typed."""
        chars = {index for index, _ in starred}
        if not chars:
            return self.original
        out = []
        for index, char in enumerate(self.original):
            if index not in chars:
                out.append(char)
                continue
            normal = char if char.isascii() else unicodedata.normalize("NFKC", char)
            pieces = ["*" if (index, p) in starred else c for p, c in enumerate(normal)]
            out.append("".join(pieces))
        return "".join(out)


def _mask_stretch(stretch: str) -> str:
    """A stretch with its personal numbers masked; itself, unchanged, when it has none."""
    if len(_DIGIT_LIKE.findall(stretch)) < _MIN_DIGITS:
        return stretch
    marked = _Marked(stretch)
    starred: set[tuple[int, int]] = set()
    position = 0
    while match := _PERSONAL.search(marked.text, position):
        found = _to_star(marked, match)
        starred |= found
        # A token that only looked like a credit code must not hide a number
        # that starts inside it ("d370402…"): look again one character on.
        position = match.end() if found else match.start() + 1
    return marked.render(starred)


def _to_star(marked: _Marked, match: re.Match[str], offset: int = 0) -> set[tuple[int, int]]:
    """What of one match to star; nothing when it is no personal number after all."""
    if match["phone"]:
        # The country code stays; of the number, the carrier prefix and last four.
        return marked.star(offset + match.start("mobile"), offset + match.end(), 3, 4)
    if match["id"]:
        return marked.star(offset + match.start(), offset + match.end(), 4, 4)
    if credit_code(match["credit"].replace(_SOFT, "")).ok:
        return marked.star(offset + match.start(), offset + match.end(), 4, 4)
    # Not a credit code, just a token: it may still end in a phone number.
    inner = _PHONE_ONLY.search(match["credit"])
    if inner is None:
        return set()
    return marked.star(
        offset + match.start() + inner.start("mobile"), offset + match.start() + inner.end(), 3, 4
    )


def redact(text: str) -> str:
    """`text` with every phone, ID number and valid credit code in it masked.

    Numbers are found in every shape the validators accept (full-width or
    circled digits, spaces, dashes, dots, brackets between the digits); only
    the hidden digits change, to `*`, everything else stays as typed.
    Idempotent: masked forms contain `*` and no longer match, so a record
    that passes two hooks is not damaged.
    """
    if len(_DIGIT_LIKE.findall(text)) < _MIN_DIGITS:
        return text
    parts = _ESCAPE.split(text)
    # Even positions are text, odd ones the escapes between them.
    return "".join(
        part if index % 2 else _STRETCH.sub(lambda m: _mask_stretch(m.group()), part)
        for index, part in enumerate(parts)
    )


# Attributes every record has; any other string attribute is an extra, and so
# is the "message" a formatter caches on the record (unmasked, if it ran first).
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", logging.INFO, "", 0, "", (), None)))
_TRACEBACKS = logging.Formatter()


def _redact_record(record: logging.LogRecord) -> None:
    """Mask a record in place: message with its args, traceback, stack, string extras.

    A record is changed only where something was masked, so a clean record
    keeps its template and args (error trackers group by them) and its
    exc_info.
    """
    try:
        message = record.getMessage()
        masked = redact(message)
    except Exception:
        # A bad format string must not crash the caller's log call, and
        # logging's error report would print the raw args: flatten them now.
        message, masked = "", redact(f"{record.msg} {record.args!r}")
    if masked != message:
        record.msg, record.args = masked, ()
    text = record.exc_text
    if not text and record.exc_info:
        text = _TRACEBACKS.formatException(record.exc_info)
    if text:
        masked = redact(text)
        if masked != text:
            # logging.Formatter prints exc_text as it is; without exc_info no
            # other formatter can render the raw traceback again.
            record.exc_text, record.exc_info = masked, None
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    for key, value in list(vars(record).items()):
        if key not in _STANDARD_ATTRIBUTES and isinstance(value, str):
            setattr(record, key, redact(value))


class RedactingFilter(logging.Filter):
    """Masks personal numbers in every record a handler emits; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        _redact_record(record)
        return True


class _RedactingFactory:
    """A log record factory that masks each record as it is created."""

    def __init__(self, previous: Callable[..., logging.LogRecord]) -> None:
        self.previous = previous

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.previous(*args, **kwargs)
        _redact_record(record)
        return record


def install_redaction(logger: logging.Logger | None = None) -> RedactingFilter:
    """Mask personal numbers in every log record of the process, from now on.

    Call once at start-up, after logging is configured (after `basicConfig`).
    Two hooks, because neither covers everything alone:

    * a record factory masks each record as it is created, whichever logger
      and handler later emit it — including handlers added after this call
      and loggers that do not propagate to the root;
    * a `RedactingFilter` on each handler of `logger` (the root logger by
      default) masks what the factory cannot see: string extras, which
      `Logger.makeRecord` attaches after the factory ran, and records made by
      `logging.makeLogRecord` or received from another process.

    Calling it again installs nothing twice.

    Returns:
        The filter, so a caller can put it on handlers of its own.
    """
    current = logging.getLogRecordFactory()
    if not isinstance(current, _RedactingFactory):
        logging.setLogRecordFactory(_RedactingFactory(current))
    redacting = RedactingFilter()
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(redacting)
    return redacting
