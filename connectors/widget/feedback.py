"""👍/👎 on the widget's answers, kept in SQLite for the knowledge curators.

The curators read which answers people found useless to fix the corpus or
the dialogue; the hotline console will show them through `recent()`. Each
entry is the question as the person asked it, the answer as they saw it, the
rating and the conversation (its Rasa sender id, to look up the whole
exchange). A question may contain a phone or ID number, and this table is
read by more people than a case file, so both texts pass through
`cases.privacy.redact` before they are stored.

Ratings are kept `retention_days` (FEEDBACK_RETENTION_DAYS, 90 by default)
and at most `max_rows` of them (FEEDBACK_MAX_ROWS, 10 000): what people asked
is personal enough not to keep for ever, and a flood of ratings must not fill
the disk. Both are enforced by deleting — on every write and every read, so
an expired rating is gone even when no new one arrives — not by hiding. The
question is cut to 500 characters and the answer to 1500 (the widget sends
no more). That the answer is one the bot really gave is checked before a
rating gets here (delivered.py).

The store is plain blocking sqlite3: one short connection per call, so it is
safe from any thread, and the gateway calls it from an executor. The file is
created on first use, not at start-up, so a gateway whose feedback disk is
broken still answers chat; WAL lets the console read while the gateway writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from cases.privacy import redact
from connectors.sqlite_file import SqliteFile

MAX_RECENT = 1000
DEFAULT_RETENTION_DAYS = 90
DEFAULT_MAX_ROWS = 10_000
MAX_QUESTION_CHARS = 500
MAX_ANSWER_CHARS = 1500  # widget.js FEEDBACK_ANSWER_CHARS

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at   TEXT NOT NULL,  -- UTC, ISO 8601
    conversation TEXT NOT NULL,  -- Rasa sender id, e.g. web:<key>
    rating       TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    question     TEXT NOT NULL,  -- masked
    answer       TEXT NOT NULL   -- masked
);
CREATE INDEX IF NOT EXISTS feedback_by_rating ON feedback (rating, id);
CREATE INDEX IF NOT EXISTS feedback_by_age ON feedback (created_at);
"""


class Rating(StrEnum):
    """What a person thought of an answer."""

    UP = "up"
    DOWN = "down"


@dataclass(frozen=True)
class FeedbackEntry:
    """One stored rating, as the curators read it."""

    id: int
    created_at: datetime
    conversation: str
    rating: Rating
    question: str
    answer: str


class FeedbackStore:
    """Ratings in one SQLite file.

    Args:
        path: the database file; its folder is created when needed.
        timeout: seconds to wait for another writer's lock.
        retention_days: ratings older than this are deleted.
        max_rows: only the newest this many ratings are kept.
        clock: the current time (UTC), for tests.

    Raises:
        ValueError: `retention_days` or `max_rows` is below 1.
    """

    def __init__(
        self,
        path: Path,
        *,
        timeout: float = 5.0,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        max_rows: int = DEFAULT_MAX_ROWS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if retention_days < 1 or max_rows < 1:
            raise ValueError(f"retention {retention_days} days, {max_rows} rows: both must be >= 1")
        self._file = SqliteFile(path, _SCHEMA, timeout=timeout)
        self.retention_days = retention_days
        self.max_rows = max_rows
        self._clock = clock

    @property
    def path(self) -> Path:
        return self._file.path

    def record(
        self, conversation: str, rating: Rating | str, question: str, answer: str
    ) -> FeedbackEntry:
        """Store one rating, with personal numbers in both texts masked.

        Raises:
            ValueError: `rating` is not "up" or "down".
            sqlite3.Error, OSError: the database cannot be written.
        """
        entry_rating = Rating(rating)
        created = self._clock().astimezone(UTC).replace(microsecond=0)
        masked_question = redact(question[:MAX_QUESTION_CHARS])
        masked_answer = redact(answer[:MAX_ANSWER_CHARS])
        with self._file.connect() as connection:
            cursor = connection.execute(
                "INSERT INTO feedback (created_at, conversation, rating, question, answer)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    created.isoformat(),
                    conversation,
                    entry_rating.value,
                    masked_question,
                    masked_answer,
                ),
            )
            row_id = cursor.lastrowid
            self._forget_old(connection)
        if row_id is None:  # sqlite3 sets it after every INSERT; typed Optional
            raise sqlite3.DatabaseError("INSERT returned no row id")
        return FeedbackEntry(
            row_id, created, conversation, entry_rating, masked_question, masked_answer
        )

    def recent(self, limit: int = 50, rating: Rating | str | None = None) -> list[FeedbackEntry]:
        """The latest ratings, newest first; only 👎 (or 👍) when `rating` says so.

        Raises:
            ValueError: `limit` is not 1..1000, or `rating` is not "up"/"down".
            sqlite3.Error, OSError: the database cannot be read.
        """
        if not 1 <= limit <= MAX_RECENT:
            raise ValueError(f"limit must be 1..{MAX_RECENT}, not {limit}")
        query = "SELECT id, created_at, conversation, rating, question, answer FROM feedback"
        params: tuple[object, ...] = ()
        if rating is not None:
            query += " WHERE rating = ?"
            params = (Rating(rating).value,)
        query += " ORDER BY id DESC LIMIT ?"
        with self._file.connect() as connection:
            self._forget_old(connection)
            rows = connection.execute(query, (*params, limit)).fetchall()
        return [
            FeedbackEntry(
                int(row[0]),
                datetime.fromisoformat(row[1]),
                str(row[2]),
                Rating(row[3]),
                str(row[4]),
                str(row[5]),
            )
            for row in rows
        ]

    def forget(self, conversation: str) -> int:
        """Delete every rating of one conversation (the person erased it); how many.

        Raises:
            sqlite3.Error, OSError: the database cannot be written.
        """
        with self._file.connect() as connection:
            cursor = connection.execute(
                "DELETE FROM feedback WHERE conversation = ?", (conversation,)
            )
            return int(cursor.rowcount or 0)

    def _forget_old(self, connection: sqlite3.Connection) -> None:
        """Delete ratings past the retention period, then all but the newest `max_rows`."""
        now = self._clock().astimezone(UTC).replace(microsecond=0)
        cutoff = (now - timedelta(days=self.retention_days)).isoformat()
        # ISO 8601 in UTC with the same offset everywhere sorts as text.
        connection.execute("DELETE FROM feedback WHERE created_at < ?", (cutoff,))
        connection.execute(
            "DELETE FROM feedback WHERE id <= ("
            "SELECT id FROM feedback ORDER BY id DESC LIMIT 1 OFFSET ?)",
            (self.max_rows,),
        )
