"""Settings of the case adapter, from the environment.

CASE_BACKEND            sql (default: the built-in store) or http (the centre's
                        own case system, reached through its JSON API)
CASE_DATABASE_URL       SQLAlchemy URL of the built-in store; default a SQLite
                        file, data/cases/cases.db; PostgreSQL as
                        postgresql+psycopg://user@host/db
CASE_DATABASE_SCHEMA    PostgreSQL schema to keep the tables in (optional)
CASE_ENCRYPTION_KEY     Fernet key(s) for the personal columns and the outbox,
                        comma-separated, newest first (`python -m cases keygen`).
                        Required for a server database and in production; in
                        development the SQLite default keeps a generated key
                        in CASE_ENCRYPTION_KEY_FILE when it is not set
CASE_ENCRYPTION_KEY_FILE  that development key file, secrets/case-encryption.key
                        at the project root: outside data/, so a backup of the
                        data does not carry its key (a key found at the old
                        place, data/cases/encryption.key, is still used, with a
                        warning to move it)
GATEWAY_ENV             production: the deployment's mode, read by every
                        process; the store then opens only with an explicit
                        CASE_ENCRYPTION_KEY, never a key file
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

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cases.crypto import FieldCipher, key_from_file
from cases.errors import ConfigurationError

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "cases"
SECRETS = ROOT / "secrets"  # gitignored; created 0700
BACKENDS = ("sql", "http")
PRODUCTION_NEEDS_KEY = (
    "生产模式（GATEWAY_ENV=production）必须设置 CASE_ENCRYPTION_KEY，不会生成密钥文件 / "
    "CASE_ENCRYPTION_KEY is required when GATEWAY_ENV=production; no key file is generated "
    "(make one with `python -m cases keygen`)"
)


def is_production(env: Mapping[str, str]) -> bool:
    """GATEWAY_ENV=production (any case): the deployment's mode, shared by every process."""
    return env.get("GATEWAY_ENV", "").strip().lower() == "production"


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
    key_file: Path = SECRETS / "case-encryption.key"
    # Where earlier versions generated the key; used while key_file does not exist.
    legacy_key_file: Path | None = None
    production: bool = False
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
        key_file = env.get("CASE_ENCRYPTION_KEY_FILE", "").strip()
        if not prefix.isalnum() or not prefix.isascii():
            raise ConfigurationError("CASE_NUMBER_PREFIX must be ASCII letters or digits")
        settings = cls(
            backend=backend,
            database_url=env.get("CASE_DATABASE_URL") or cls.database_url,
            database_schema=env.get("CASE_DATABASE_SCHEMA") or None,
            encryption_keys=env.get("CASE_ENCRYPTION_KEY") or None,
            key_file=Path(key_file) if key_file else cls.key_file,
            legacy_key_file=None if key_file else DATA / "encryption.key",
            production=is_production(env),
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
        """The cipher of the personal columns and the outbox.

        Raises:
            ConfigurationError: production without CASE_ENCRYPTION_KEY, or a
                server database without it; checked before any file is made.
        """
        if self.encryption_keys:
            return FieldCipher.from_keys(self.encryption_keys)
        if self.production:
            raise ConfigurationError(PRODUCTION_NEEDS_KEY)
        if not self.embedded:
            raise ConfigurationError(
                "CASE_ENCRYPTION_KEY is required with a server database "
                "(make one with `python -m cases keygen`)"
            )
        return FieldCipher.from_keys(key_from_file(self._key_path(), create=True))

    def _key_path(self) -> Path:
        """key_file, or the key an earlier version left beside the data, if that is
        the only one: moving it is the operator's step, losing it must not happen."""
        legacy = self.legacy_key_file
        if self.key_file.exists() or legacy is None or not legacy.exists():
            return self.key_file
        log.warning(
            "the case encryption key is at %s, inside the data folder, so every backup of "
            "the data carries it; move it to %s (or set CASE_ENCRYPTION_KEY_FILE)",
            legacy,
            self.key_file,
        )
        return legacy
