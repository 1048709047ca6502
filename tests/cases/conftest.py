"""Case-store fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL is the production profile and is tested for real, each test in a
schema of its own that is dropped afterwards. When the server cannot be
reached the PostgreSQL runs fall back to SQLite and the session says so at the
end, loudly — a green run must never hide that PostgreSQL went untested.
REQUIRE_POSTGRES=1 turns the fallback into a failure.
"""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from cases.crypto import new_key
from cases.settings import CaseSettings
from cases.sql import SqlCaseBackend

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
_FALLBACKS: list[str] = []


class PostgresUnavailable(UserWarning):
    """PostgreSQL tests ran on SQLite instead."""


def postgres_reachable() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        import psycopg

        conninfo = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(conninfo, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _drop_schema(schema: str) -> None:
    import psycopg

    conninfo = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def case_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CaseSettings]:
    """Settings of a fresh, empty case store (migrated on open)."""
    base = CaseSettings(
        database_url=f"sqlite:///{tmp_path / 'cases.db'}",
        encryption_keys=new_key(),
        key_file=tmp_path / "encryption.key",
        outbox_path=tmp_path / "outbox.db",
    )
    if request.param == "sqlite":
        yield base
        return
    problem = postgres_reachable()
    if problem is not None:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL required but unreachable at {POSTGRES_URL}: {problem}")
        message = f"PostgreSQL unreachable ({problem}); {request.node.nodeid} ran on SQLite"
        _FALLBACKS.append(message)
        warnings.warn(message, PostgresUnavailable, stacklevel=1)
        yield base
        return
    schema = f"test_cases_{uuid.uuid4().hex[:12]}"
    try:
        yield replace(base, database_url=POSTGRES_URL, database_schema=schema)
    finally:
        _drop_schema(schema)


@pytest.fixture
def sql_backend(case_settings: CaseSettings) -> Iterator[SqlCaseBackend]:
    backend = SqlCaseBackend.open(case_settings)
    try:
        yield backend
    finally:
        backend.engine.dispose()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _FALLBACKS:
        terminalreporter.section("POSTGRESQL NOT TESTED", sep="!", red=True, bold=True)
        terminalreporter.line(
            f"{len(_FALLBACKS)} PostgreSQL test(s) fell back to SQLite; "
            "PostgreSQL was not tested in this run.",
            red=True,
            bold=True,
        )
