"""The console's SQLite file: agents' accounts, their sessions, unanswered questions.

One file (CONSOLE_DB_PATH) because the three belong together: the account
CLI, run in another process, must be able to end an agent's sessions when it
disables the account or changes the password, which a store in the gateway's
memory could not offer. WAL lets the gateway read while the CLI writes.

Plain blocking sqlite3 with one short connection per call, so any thread may
call it; the gateway calls it through `asyncio.to_thread`. The file and its
folder are created on first use (not at start-up, so a gateway whose disk is
broken still answers chat), readable by the owner only: the file holds
password hashes.
"""

from __future__ import annotations

from pathlib import Path

from connectors.sqlite_file import SqliteFile

_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    name                TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash       TEXT NOT NULL,
    disabled            INTEGER NOT NULL DEFAULT 0,
    created_at          REAL NOT NULL,  -- Unix seconds
    last_sign_in_at     REAL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash   TEXT PRIMARY KEY,      -- SHA-256 of the cookie: a copy of the file signs no one in
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   REAL NOT NULL,
    last_seen_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_account ON sessions (account_id);
CREATE TABLE IF NOT EXISTS unanswered (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at   TEXT NOT NULL,         -- UTC, ISO 8601
    conversation TEXT NOT NULL,         -- Rasa sender id, e.g. web:<key>
    question     TEXT NOT NULL          -- masked with cases.privacy.redact
);
"""


class ConsoleDatabase(SqliteFile):
    """Connections to the console's SQLite file (owner-only, foreign keys on).

    Args:
        path: the database file; its folder is created when needed.
        timeout: seconds to wait for another writer's lock.
    """

    def __init__(self, path: Path, *, timeout: float = 5.0) -> None:
        super().__init__(path, _SCHEMA, timeout=timeout, foreign_keys=True)
