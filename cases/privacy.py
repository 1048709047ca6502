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
from collections.abc import Callable
from typing import Any

from cases.validation import credit_code

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


# A phone or ID glued to more digits is part of a longer number (an order
# number, a timestamp), not personal data. Letters around it do not matter:
# "TEL13812345678" is still a phone. Credit codes mix letters and digits, so
# for them any letter or digit around means "part of a longer token".
_PHONE = (
    r"(?<![0-9])"
    r"(?P<cc>(?:\+|00)?86[ -]?)?"
    r"(?P<head>1[3-9][0-9])(?P<sep>[ -]?)[0-9]{4}(?P=sep)(?P<tail>[0-9]{4})"
    r"(?![0-9])"
)
_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_ID18 = rf"[1-9][0-9]{{5}}(?:18|19|20)[0-9]{{2}}{_DATE}[0-9]{{3}}[0-9Xx]"
_ID15 = rf"[1-9][0-9]{{5}}[0-9]{{2}}{_DATE}[0-9]{{3}}"
_CREDIT = r"(?<![0-9A-Za-z])[0-9A-HJ-NP-RTUW-Y]{18}(?![0-9A-Za-z])"
_PERSONAL = re.compile(
    rf"(?P<phone>{_PHONE})|(?<![0-9])(?P<id>{_ID18}|{_ID15})(?![0-9])|(?P<credit>{_CREDIT})",
    re.IGNORECASE,
)
_PHONE_ONLY = re.compile(_PHONE)
# Every phone, ID and credit code has four digits in a row (a credit code's
# region segment is six): a line without them is returned at once.
_CANDIDATE = re.compile(r"[0-9０-９]{4}")
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# Rasa's debug logs print JSON with non-ASCII characters escaped: in
# "\u8bc1370402…" the escape's last hex digit is no part of the number that
# follows, so escapes are cut out before matching (kept, as separators).
_ESCAPE = re.compile(r"(\\(?:u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}))")


def _mask_phone_match(match: re.Match[str]) -> str:
    cc, sep = match["cc"] or "", match["sep"]
    return f"{cc}{match['head']}{sep}****{sep}{match['tail']}"


def _mask_match(match: re.Match[str]) -> str:
    if match["phone"]:
        return _mask_phone_match(match)
    if match["id"]:
        return mask_id(match["id"])
    code = match["credit"]
    if credit_code(code).ok:
        return mask_credit_code(code)
    # Not a credit code, just a token: it may still end in a phone number.
    return _PHONE_ONLY.sub(_mask_phone_match, code)


def redact(text: str) -> str:
    """`text` with every phone, ID number and valid credit code in it masked.

    Full-width digits are read as ASCII, so `１３８１２３４５６７８` typed by
    a person is caught too (a line where something is masked comes back with
    ASCII digits; any other line comes back unchanged).
    Idempotent: masked forms contain `*` and no longer match, so a record
    that passes two hooks is not damaged.
    """
    if not _CANDIDATE.search(text):
        return text
    ascii_digits = text.translate(_FULL_WIDTH_DIGITS)
    parts = _ESCAPE.split(ascii_digits)
    # Even positions are text, odd ones the escapes between them.
    masked = "".join(
        part if index % 2 else _PERSONAL.sub(_mask_match, part) for index, part in enumerate(parts)
    )
    return text if masked == ascii_digits else masked


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
