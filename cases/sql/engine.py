"""Engines for the case store: SQLite tuned for several processes, PostgreSQL in a schema.

SQLite: the file and its WAL are created 0600 (cases/files.py). WAL lets
readers (the staff CLI) work while the action server writes; busy_timeout
makes a writer wait for the lock instead of failing at once; and
every transaction begins IMMEDIATE, taking the write lock up front, because a
deferred transaction that upgrades from read to write can fail with
SQLITE_BUSY without waiting at all.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from cases.errors import ConfigurationError
from cases.files import private_sqlite

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 10_000
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def make_engine(url: str, schema: str | None = None) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    if parsed.get_backend_name() == "postgresql":
        return _postgres_engine(url, schema)
    raise ConfigurationError(
        f"unsupported case database {parsed.get_backend_name()!r}: use sqlite or postgresql"
    )


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        private_sqlite(Path(database))  # 0600 before SQLite creates it 0644
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (see module docstring).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _postgres_engine(url: str, schema: str | None) -> Engine:
    if schema is not None and not _SCHEMA_NAME.fullmatch(schema):
        raise ConfigurationError("CASE_DATABASE_SCHEMA must be a plain lower-case identifier")
    engine = create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})
    if schema:

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            cursor.execute(f'SET search_path TO "{schema}"')
            cursor.close()
            dbapi_connection.commit()

    return engine


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (Alembic; safe to run on every start)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        try:
            row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
        except Exception:  # no table yet: nothing migrated
            return None
    return None if row is None else str(row[0])
