"""The gateway's own SQLite files are readable by their owner only, journals included."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.console.db import ConsoleDatabase
from connectors.sqlite_file import SqliteFile
from connectors.widget.feedback import FeedbackStore

SCHEMA = "CREATE TABLE IF NOT EXISTS notes (text TEXT);"


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask most services run with: without care, files come out 0644."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def files_while_open(path: Path, write: str) -> dict[str, int]:
    """Modes of the database and its WAL and shared-memory files while a reader holds them."""
    reader = sqlite3.connect(path)
    try:
        reader.execute("SELECT count(*) FROM sqlite_master").fetchone()  # keeps -wal, -shm
        with sqlite3.connect(path) as writer:
            writer.execute(write)
        found = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        return {p.name: mode(p) for p in found if p.exists()}
    finally:
        reader.close()


def test_feedback_database_and_its_journals_are_owner_only(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback" / "feedback.db")
    store.recent()  # created on first use
    modes = files_while_open(store.path, "CREATE TABLE IF NOT EXISTS probe (x)")
    assert set(modes) == {"feedback.db", "feedback.db-wal", "feedback.db-shm"}
    assert modes == dict.fromkeys(modes, 0o600)
    assert mode(store.path.parent) == 0o700


def test_console_database_and_its_journals_are_owner_only(tmp_path: Path) -> None:
    db = ConsoleDatabase(tmp_path / "console" / "console.db")
    with db.connect() as connection:
        connection.execute("SELECT count(*) FROM accounts").fetchone()
    modes = files_while_open(db.path, "CREATE TABLE IF NOT EXISTS probe (x)")
    assert len(modes) == 3 and set(modes.values()) == {0o600}


def test_a_file_left_readable_by_an_older_version_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "feedback.db"
    old = sqlite3.connect(path)  # made before this fix: 0644 under umask 022, journals too
    try:
        old.execute("PRAGMA journal_mode=WAL")
        with old:
            old.execute(SCHEMA)
        journals = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
        assert {mode(p) for p in (path, *journals)} == {0o644}
        file = SqliteFile(path, SCHEMA)
        with file.connect() as connection:
            connection.execute("INSERT INTO notes VALUES ('x')")
        assert {p.name: mode(p) for p in (path, *journals)} == {
            "feedback.db": 0o600,
            "feedback.db-wal": 0o600,
            "feedback.db-shm": 0o600,
        }
    finally:
        old.close()
