"""Throttling of case-status lookups: the last four phone digits are a weak secret.

Four digits are 10 000 guesses. Counting wrong answers per case number (any
conversation) and per conversation (any case number) and refusing further
tries for a while after a few makes guessing useless, while a person who
mistypes once or twice is not locked out. Kept in the action server's local
database, so a restarted conversation does not reset the count.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cases.local_db import LocalDatabase
from cases.model import utc_now
from cases.outbox import sender_digest

SCHEMA = """
CREATE TABLE IF NOT EXISTS lookup_failures (
    sender TEXT NOT NULL,
    case_number TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS lookup_failures_case ON lookup_failures (case_number, at);
CREATE INDEX IF NOT EXISTS lookup_failures_sender ON lookup_failures (sender, at);
"""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class LookupGuard:
    def __init__(
        self,
        path: Path,
        *,
        per_case: int = 3,
        per_sender: int = 5,
        window: timedelta = timedelta(hours=1),
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._db = LocalDatabase(path, SCHEMA)
        self._per_case = per_case
        self._per_sender = per_sender
        self._window = window
        self._now = clock

    @property
    def window(self) -> timedelta:
        return self._window

    def blocked(self, sender: str, case_number: str) -> bool:
        since = _iso(self._now() - self._window)
        connection = self._db.read()
        by_case = connection.execute(
            "SELECT count(*) FROM lookup_failures WHERE case_number = ? AND at >= ?",
            (case_number, since),
        ).fetchone()[0]
        by_sender = connection.execute(
            "SELECT count(*) FROM lookup_failures WHERE sender = ? AND at >= ?",
            (sender_digest(sender), since),
        ).fetchone()[0]
        return bool(by_case >= self._per_case or by_sender >= self._per_sender)

    def failure(self, sender: str, case_number: str) -> None:
        now = self._now()
        with self._db.transaction() as connection:
            connection.execute(
                "INSERT INTO lookup_failures (sender, case_number, at) VALUES (?, ?, ?)",
                (sender_digest(sender), case_number, _iso(now)),
            )
            # Old failures no longer count; drop them so the table stays small.
            connection.execute(
                "DELETE FROM lookup_failures WHERE at < ?", (_iso(now - 2 * self._window),)
            )

    def close(self) -> None:
        self._db.close()
