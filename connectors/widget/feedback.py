"""👍/👎 on the widget's answers, kept in SQLite for the knowledge curators.

The curators read which answers people found useless to fix the corpus or
the dialogue; the hotline console will show them through `recent()`. Each
entry is the question as the person asked it, the answer as they saw it, the
rating and the conversation (its Rasa sender id, to look up the whole
exchange). A question may contain a phone or ID number, and this table is
read by more people than a case file, so both texts pass through
`cases.privacy.redact` before they are stored.

The store is plain blocking sqlite3: one short connection per call, so it is
safe from any thread, and the gateway calls it from an executor. The file is
created on first use, not at start-up, so a gateway whose feedback disk is
broken still answers chat; WAL lets the console read while the gateway writes.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from cases.privacy import redact
from connectors.sqlite_file import SqliteFile

MAX_RECENT = 1000

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
    """

    def __init__(self, path: Path, *, timeout: float = 5.0) -> None:
        self._file = SqliteFile(path, _SCHEMA, timeout=timeout)

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
        created = datetime.now(UTC).replace(microsecond=0)
        masked_question, masked_answer = redact(question), redact(answer)
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
