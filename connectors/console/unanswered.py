"""Questions the bot had no basis to answer, kept for the console's "未解决问题".

The gateway sees every chat reply; when one shows that the corpus held no
answer (see no_answer.py) the question is stored here, masked with
`cases.privacy.redact` first — this list is read by every agent, more people
than a case file. The 👎 answers are the widget's FeedbackStore; together
they are what the curators fix next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from cases.privacy import redact
from connectors.console.db import ConsoleDatabase

MAX_RECENT = 1000
MAX_QUESTION_CHARS = 500  # a question, not an essay; the store stays small


@dataclass(frozen=True)
class Unanswered:
    id: int
    created_at: datetime
    conversation: str
    question: str


class UnansweredStore:
    """Unanswered questions in the console database (blocking; call from a thread)."""

    def __init__(self, db: ConsoleDatabase) -> None:
        self.db = db

    def record(self, conversation: str, question: str) -> Unanswered:
        """Store a question, personal numbers masked.

        Raises:
            sqlite3.Error, OSError: the database cannot be written.
        """
        created = datetime.now(UTC).replace(microsecond=0)
        masked = redact(question.strip()[:MAX_QUESTION_CHARS])
        with self.db.connect() as connection:
            cursor = connection.execute(
                "INSERT INTO unanswered (created_at, conversation, question) VALUES (?, ?, ?)",
                (created.isoformat(), conversation, masked),
            )
            row_id = cursor.lastrowid
        return Unanswered(int(row_id or 0), created, conversation, masked)

    def forget(self, conversation: str) -> int:
        """Delete every question of one conversation (the person erased it); how many.

        Raises:
            sqlite3.Error, OSError: the database cannot be written.
        """
        with self.db.connect() as connection:
            cursor = connection.execute(
                "DELETE FROM unanswered WHERE conversation = ?", (conversation,)
            )
            return int(cursor.rowcount or 0)

    def recent(self, limit: int = 50) -> list[Unanswered]:
        """The latest questions, newest first.

        Raises:
            ValueError: `limit` is not 1..1000.
            sqlite3.Error, OSError: the database cannot be read.
        """
        if not 1 <= limit <= MAX_RECENT:
            raise ValueError(f"limit must be 1..{MAX_RECENT}, not {limit}")
        with self.db.connect() as connection:
            rows = connection.execute(
                "SELECT id, created_at, conversation, question FROM unanswered"
                " ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            Unanswered(int(row[0]), datetime.fromisoformat(row[1]), str(row[2]), str(row[3]))
            for row in rows
        ]
