"""The console's SQLite file: agents' accounts, their sessions, the sign-in throttle,
case lookups per agent, unanswered questions.

One file (CONSOLE_DB_PATH) because they belong together: the account CLI, run
in another process, must be able to end an agent's sessions when it disables
the account or changes the password, and lift an agent's sign-in delays
(`unlock`), which a store in the gateway's memory could not offer. WAL lets
the gateway read while the CLI writes.

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
CREATE TABLE IF NOT EXISTS throttle_key (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    secret       TEXT NOT NULL          -- hex; keys the hashes below (throttle_store.py)
);
CREATE TABLE IF NOT EXISTS sign_in_failures (
    scope         TEXT NOT NULL,        -- pair | name | address
    name_key      TEXT NOT NULL,        -- keyed hash of the typed name, '' for scope address
    address_key   TEXT NOT NULL,        -- keyed hash of the client address, '' for scope name
    failures      INTEGER NOT NULL,
    last_at       REAL NOT NULL,        -- Unix seconds of the latest failure
    blocked_until REAL NOT NULL,        -- no attempt it covers is checked before this
    PRIMARY KEY (scope, name_key, address_key)
);
CREATE INDEX IF NOT EXISTS sign_in_failures_by_name ON sign_in_failures (name_key);
CREATE INDEX IF NOT EXISTS sign_in_failures_by_age ON sign_in_failures (scope, last_at);
CREATE INDEX IF NOT EXISTS sign_in_failures_by_end ON sign_in_failures (scope, blocked_until);
CREATE TABLE IF NOT EXISTS sign_in_rows (  -- rows per scope, kept by the triggers below
    scope        TEXT PRIMARY KEY,
    rows         INTEGER NOT NULL
);
INSERT OR IGNORE INTO sign_in_rows (scope, rows) VALUES ('pair', 0), ('name', 0), ('address', 0);
CREATE TRIGGER IF NOT EXISTS sign_in_failures_added AFTER INSERT ON sign_in_failures BEGIN
    UPDATE sign_in_rows SET rows = rows + 1 WHERE scope = NEW.scope;
END;
CREATE TRIGGER IF NOT EXISTS sign_in_failures_removed AFTER DELETE ON sign_in_failures BEGIN
    UPDATE sign_in_rows SET rows = rows - 1 WHERE scope = OLD.scope;
END;
CREATE TABLE IF NOT EXISTS sign_in_known (
    name_key     TEXT NOT NULL,         -- this name signed in from this address at `at`
    address_key  TEXT NOT NULL,
    at           REAL NOT NULL,
    PRIMARY KEY (name_key, address_key)
);
CREATE TABLE IF NOT EXISTS case_lookups (  -- per agent, for the limits of lookup_limit.py
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    agent        TEXT NOT NULL,
    case_number  TEXT NOT NULL,
    at           REAL NOT NULL          -- Unix seconds; rows older than a day are deleted
);
CREATE INDEX IF NOT EXISTS case_lookups_by_agent ON case_lookups (agent, at);
CREATE INDEX IF NOT EXISTS case_lookups_by_age ON case_lookups (at);
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
