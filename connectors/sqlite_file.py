"""A small SQLite file of the gateway's own (console accounts and sessions, feedback).

Created lazily on first use, so a gateway that never needs the file never
makes it; WAL so readers do not wait for a writer; one short transaction per
`connect()`.

Every such file holds something a stranger must not read (password hashes,
session tokens, what people asked and rated), so the file is created 0600 in
a folder created 0700, whatever the process's umask (cases/files.py, which
every process's SQLite files go through). SQLite gives the `-wal` and `-shm`
files the mode of the database file, so they follow; a file left more open by
an older version (0644) is narrowed, journals included, the first time this
process uses it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cases.files import private_sqlite


class SqliteFile:
    """Connections to one SQLite file whose schema is created once per process.

    Args:
        path: the database file; its folder is created when needed.
        schema: idempotent SQL (CREATE … IF NOT EXISTS) run before first use.
        timeout: seconds to wait for another writer's lock.
        foreign_keys: enforce foreign keys (a per-connection setting in SQLite).
    """

    def __init__(
        self,
        path: Path,
        schema: str,
        *,
        timeout: float = 5.0,
        foreign_keys: bool = False,
    ) -> None:
        self.path = path
        self._schema = schema
        self._timeout = timeout
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
            private_sqlite(self.path)
            connection = sqlite3.connect(self.path, timeout=self._timeout)
            try:
                connection.execute("PRAGMA journal_mode=WAL")  # kept in the file
                connection.executescript(self._schema)
            finally:
                connection.close()
            self._ready = True
