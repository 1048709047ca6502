"""Settings of the case adapter, from the environment.

CASE_BACKEND            sql (default: the built-in store) or http (the centre's
                        own case system, reached through its JSON API)
CASE_DATABASE_URL       SQLAlchemy URL of the built-in store; default a SQLite
                        file, data/cases/cases.db; PostgreSQL as
                        postgresql+psycopg://user@host/db
CASE_DATABASE_SCHEMA    PostgreSQL schema to keep the tables in (optional)
CASE_ENCRYPTION_KEY     Fernet key(s) for the personal columns, comma-separated,
                        newest first (`python -m cases keygen`). Required for a
                        server database; the SQLite default keeps a generated
                        key in data/cases/encryption.key when it is not set
CASE_NUMBER_PREFIX      WQ: case numbers look like WQ-2026-000123
CASE_API_URL            base URL of the case-system API (CASE_BACKEND=http)
CASE_API_TOKEN          its bearer token
CASE_API_CONNECT_TIMEOUT  seconds, 2
CASE_API_READ_TIMEOUT     seconds, 5
CASE_SUBMIT_BUDGET      seconds a person waits for a submission before it is
                        queued in the outbox, 8 (below Rasa's action timeout)
CASE_OUTBOX_PATH        the local outbox, data/cases/outbox.db
CASE_RELAY_INTERVAL     seconds between outbox deliveries, 15
CASE_MAX_PER_SENDER     applications one conversation may open in 24 hours, 3
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cases.crypto import FieldCipher, key_from_file
from cases.errors import ConfigurationError

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "cases"
BACKENDS = ("sql", "http")


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number of seconds, not {raw!r}") from None
    if value <= 0:
        raise ConfigurationError(f"{name} must be positive")
    return value


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigurationError(f"{name} must be a whole number ≥ 1, not {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class CaseSettings:
    backend: str = "sql"
    database_url: str = f"sqlite:///{DATA / 'cases.db'}"
    database_schema: str | None = None
    encryption_keys: str | None = None
    key_file: Path = DATA / "encryption.key"
    number_prefix: str = "WQ"
    api_url: str | None = None
    api_token: str | None = None
    connect_timeout: float = 2.0
    read_timeout: float = 5.0
    submit_budget: float = 8.0
    outbox_path: Path = DATA / "outbox.db"
    relay_interval: float = 15.0
    max_per_sender: int = 3

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> CaseSettings:
        env = os.environ if env is None else env
        backend = env.get("CASE_BACKEND", "sql").strip().lower() or "sql"
        if backend not in BACKENDS:
            raise ConfigurationError(f"CASE_BACKEND must be one of {BACKENDS}, not {backend!r}")
        prefix = env.get("CASE_NUMBER_PREFIX", cls.number_prefix)
        if not prefix.isalnum() or not prefix.isascii():
            raise ConfigurationError("CASE_NUMBER_PREFIX must be ASCII letters or digits")
        settings = cls(
            backend=backend,
            database_url=env.get("CASE_DATABASE_URL") or cls.database_url,
            database_schema=env.get("CASE_DATABASE_SCHEMA") or None,
            encryption_keys=env.get("CASE_ENCRYPTION_KEY") or None,
            number_prefix=prefix.upper(),
            api_url=(env.get("CASE_API_URL") or "").rstrip("/") or None,
            api_token=env.get("CASE_API_TOKEN") or None,
            connect_timeout=_seconds(env, "CASE_API_CONNECT_TIMEOUT", cls.connect_timeout),
            read_timeout=_seconds(env, "CASE_API_READ_TIMEOUT", cls.read_timeout),
            submit_budget=_seconds(env, "CASE_SUBMIT_BUDGET", cls.submit_budget),
            outbox_path=Path(env.get("CASE_OUTBOX_PATH") or cls.outbox_path),
            relay_interval=_seconds(env, "CASE_RELAY_INTERVAL", cls.relay_interval),
            max_per_sender=_count(env, "CASE_MAX_PER_SENDER", cls.max_per_sender),
        )
        if backend == "http" and not (settings.api_url and settings.api_token):
            raise ConfigurationError("CASE_BACKEND=http needs CASE_API_URL and CASE_API_TOKEN")
        return settings

    @property
    def embedded(self) -> bool:
        """The SQLite default, which may keep its own key file."""
        return self.database_url.startswith("sqlite")

    def cipher(self) -> FieldCipher:
        if self.encryption_keys:
            return FieldCipher.from_keys(self.encryption_keys)
        if not self.embedded:
            raise ConfigurationError(
                "CASE_ENCRYPTION_KEY is required with a server database "
                "(make one with `python -m cases keygen`)"
            )
        return FieldCipher.from_keys(key_from_file(self.key_file, create=True))
