"""The action server's own small SQLite file: the outbox and the lookup throttle.

It lives next to the action server, not in the case system, because it must
work exactly when the case system does not. Every write is a short IMMEDIATE
transaction (the write lock taken up front, so concurrent writers wait their
turn instead of failing), WAL keeps readers unblocked, and synchronous=FULL
makes a committed application survive a power cut, not only a crash.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cases.files import private_sqlite

BUSY_TIMEOUT_S = 10.0


class LocalDatabase:
    """One SQLite file, one connection per thread, schema created on open."""

    def __init__(self, path: Path, schema: str) -> None:
        self._path = path
        self._schema = schema
        self._local = threading.local()
        private_sqlite(path)  # personal data: 0600, before SQLite makes it 0644
        # executescript commits on its own; the script is idempotent (IF NOT EXISTS).
        self._connection().executescript(f"BEGIN IMMEDIATE;\n{schema}\nCOMMIT;")

    @property
    def path(self) -> Path:
        return self._path

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(
                self._path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=True
            )
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            self._local.connection = connection
        return connection

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def read(self) -> sqlite3.Connection:
        return self._connection()

    def close(self) -> None:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None
