"""Case numbers: the documented shape (WQ-2026-000123), the digits drawn at random.

Sequential numbers let anyone who can look one case up walk to its
neighbours and count the centre's cases; random ones say nothing about each
other. The shape stays prefix-year-six digits because the README, the bot's
case-number parser, the NLU regex and the agents' console all accept exactly
that. Six digits make a million numbers a year: a guessed number rarely
exists, and a lookup needs more than the number anyway (the phone's last four
digits for the public, a signed-in agent in the console).

A number is never issued twice: the unique column refuses a number another
case holds (the store then draws again), and a number that appears in the
audit trail — a purged case's tombstone, a lookup — is skipped, so an old
trail never attaches itself to a new case.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

from sqlalchemy import select
from sqlalchemy.engine import Connection

from cases.sql.tables import case_events

SERIAL_DIGITS = 6
# Draws before giving up. With a million numbers a year a second draw is
# already rare; fifty failures mean a broken random source, not bad luck.
MAX_DRAWS = 50

SerialSource = Callable[[], int]


def random_serial() -> int:
    """1 … 999 999, from the operating system's cryptographic random source."""
    return 1 + secrets.randbelow(10**SERIAL_DIGITS - 1)


def case_number(prefix: str, year: int, serial: int) -> str:
    """`WQ-2026-004217`: the shape README documents."""
    if not 0 <= serial < 10**SERIAL_DIGITS:
        raise ValueError(f"a serial has {SERIAL_DIGITS} digits")
    return f"{prefix}-{year}-{serial:0{SERIAL_DIGITS}d}"


def in_audit_trail(connection: Connection, number: str) -> bool:
    """Whether `number` has any history (a purged case's tombstone, a lookup)."""
    row = connection.execute(
        select(case_events.c.id).where(case_events.c.case_number == number).limit(1)
    ).first()
    return row is not None


def candidates(connection: Connection, prefix: str, year: int, draw: SerialSource) -> Iterator[str]:
    """Fresh numbers, drawn one at a time as the caller asks, none with a history.

    At most MAX_DRAWS draws; the caller tries each until one is accepted by
    the unique column (another process may have just taken it).
    """
    for _ in range(MAX_DRAWS):
        number = case_number(prefix, year, draw())
        if not in_audit_trail(connection, number):
            yield number
