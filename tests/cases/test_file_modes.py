"""Every database and key file the cases package creates is readable by its owner only.

The case store, the outbox (with the lookup throttle), their WAL and shared
memory files, and the reference case system's database hold personal data or
what decrypts it: 0600, whatever the process's umask lets through (022 here,
the usual default that made them 0644). A store made 0644 by older code is
tightened when opened.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from cases.crypto import FieldCipher, new_key
from cases.lookup_guard import LookupGuard
from cases.outbox import Outbox
from cases.server.__main__ import ServerSettings
from cases.settings import CaseSettings
from cases.sql import SqlCaseBackend
from tests.cases.factories import application


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def sqlite_files(database: Path) -> list[Path]:
    files = [database, *(Path(f"{database}{suffix}") for suffix in ("-wal", "-shm"))]
    assert all(path.exists() for path in files), [p.name for p in files if not p.exists()]
    return files


def test_the_case_store_and_its_key_are_private(tmp_path: Path) -> None:
    settings = CaseSettings(
        database_url=f"sqlite:///{tmp_path / 'data' / 'cases.db'}",
        key_file=tmp_path / "secrets" / "case-encryption.key",
    )
    store = SqlCaseBackend.open(settings)
    try:
        store.create_now(application(), "k")  # the WAL and shared-memory files exist now
        for path in sqlite_files(tmp_path / "data" / "cases.db"):
            assert mode(path) == 0o600, path.name
    finally:
        store.engine.dispose()
    assert mode(settings.key_file) == 0o600
    assert mode(settings.key_file.parent) == 0o700
    assert mode(tmp_path / "data") == 0o700


def test_the_outbox_is_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "outbox.db"
    outbox = Outbox(path, FieldCipher([new_key()]))
    guard = LookupGuard(path)
    try:
        outbox.add("k", "conversation", application(), limit=3)
        guard.failure("conversation", "WQ-2026-004217")
        for file in sqlite_files(path):
            assert mode(file) == 0o600, file.name
    finally:
        outbox.close()
        guard.close()


def test_the_reference_case_system_database_and_key_are_private(tmp_path: Path) -> None:
    settings = ServerSettings.from_env(
        {
            "CASE_SERVER_TOKEN": "t",
            "CASE_SERVER_DATABASE_URL": f"sqlite:///{tmp_path / 'case-system.db'}",
            "CASE_SERVER_ENCRYPTION_KEY_FILE": str(tmp_path / "secrets" / "case-system.key"),
        }
    )
    store = SqlCaseBackend.open(settings.store)
    try:
        store.create_now(application(), "k")
        for path in sqlite_files(tmp_path / "case-system.db"):
            assert mode(path) == 0o600, path.name
    finally:
        store.engine.dispose()
    assert mode(tmp_path / "secrets" / "case-system.key") == 0o600


def test_a_store_left_readable_by_older_code_is_tightened(tmp_path: Path) -> None:
    database = tmp_path / "cases.db"
    settings = CaseSettings(database_url=f"sqlite:///{database}", encryption_keys=new_key())
    store = SqlCaseBackend.open(settings)
    store.create_now(application(), "k")
    store.engine.dispose()
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        if path.exists():
            path.chmod(0o644)

    store = SqlCaseBackend.open(settings)
    try:
        assert store.count() == 1
        for path in sqlite_files(database):
            assert mode(path) == 0o600, path.name
    finally:
        store.engine.dispose()
