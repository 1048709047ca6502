"""A small SQLite file of the gateway's own (console accounts and sessions, feedback).

Created lazily on first use, so a gateway that never needs the file never
makes it; WAL so readers do not wait for a writer; one short transaction per
`connect()`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class SqliteFile:
    """Connections to one SQLite file whose schema is created once per process.

    Args:
        path: the database file; its folder is created when needed.
        schema: idempotent SQL (CREATE … IF NOT EXISTS) run before first use.
        timeout: seconds to wait for another writer's lock.
        owner_only: create the folder and the file readable by the owner only
            (password hashes, session tokens).
        foreign_keys: enforce foreign keys (a per-connection setting in SQLite).
    """

    def __init__(
        self,
        path: Path,
        schema: str,
        *,
        timeout: float = 5.0,
        owner_only: bool = False,
        foreign_keys: bool = False,
    ) -> None:
        self.path = path
        self._schema = schema
        self._timeout = timeout
        self._owner_only = owner_only
        self._foreign_keys = foreign_keys
        self._ready = False
        self._ready_lock = threading.Lock()

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in a transaction: committed on success, rolled back on an error."""
        self._prepare()
        connection = sqlite3.connect(self.path, timeout=self._timeout)
        try:
            if self._foreign_keys:
                connection.execute("PRAGMA foreign_keys = ON")
            with connection:
                yield connection
        finally:
            connection.close()

    def _prepare(self) -> None:
        with self._ready_lock:
            if self._ready:
                return
            if self._owner_only:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=self._timeout)
            try:
                connection.execute("PRAGMA journal_mode=WAL")  # kept in the file
                connection.executescript(self._schema)
            finally:
                connection.close()
            self._ready = True
