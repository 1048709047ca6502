"""Settings of the conversation store, read once when Rasa (or the command line) starts.

    TRACKER_URL                    the database (sqlite:///data/rasa/tracker.db, or
                                   postgresql://user@host/db); Rasa reads it from
                                   bot/endpoints.yml
    POSTGRESQL_SCHEMA              the PostgreSQL schema (Rasa's own variable)
    TRACKER_ENCRYPTION_KEY         secret: Fernet keys, comma-separated, the first
                                   seals; required when GATEWAY_ENV=production
    TRACKER_ENCRYPTION_KEY_FILE    where the embedded default keeps a generated key
                                   (secrets/tracker-encryption.key, outside data/)
    TRACKER_SWEEP_SECONDS          how often the store purges and forgets (600)
    CONVERSATION_RETENTION_DAYS    override of the deployment's conversations.retention_days
    CONVERSATION_DRAFT_MINUTES     override of the deployment's conversations.draft_minutes

How long conversations are kept is the centre's decision and is told to
people in the consent notice, so it lives in the deployment file; the two
overrides are for one server (and for tests).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cases.crypto import FieldCipher, key_from_file
from cases.errors import ConfigurationError
from knowledge.deployment import deployment_from_env
from knowledge.errors import KnowledgeError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_KEY_FILE = ROOT / "secrets" / "tracker-encryption.key"


@dataclass(frozen=True)
class ConversationSettings:
    retention_days: int
    draft_minutes: int
    keys: str  # comma-separated Fernet keys
    sweep_seconds: float = 600.0

    @property
    def cipher(self) -> FieldCipher:
        return FieldCipher.from_keys(self.keys)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ConversationSettings:
        """Raises ConfigurationError with a one-line reason for any bad value."""
        env = os.environ if env is None else env
        try:
            keeping = deployment_from_env(env).conversations
        except KnowledgeError as exc:
            raise ConfigurationError(
                f"读不了部署配置 / cannot read the deployment: {exc}"
            ) from None
        return cls(
            retention_days=_whole(env, "CONVERSATION_RETENTION_DAYS", keeping.retention_days),
            draft_minutes=_whole(env, "CONVERSATION_DRAFT_MINUTES", keeping.draft_minutes),
            keys=_keys(env),
            sweep_seconds=float(_whole(env, "TRACKER_SWEEP_SECONDS", 600)),
        )


def _whole(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigurationError(f"{name} 应为正整数 / must be a whole number above 0")
    return int(raw)


def _keys(env: Mapping[str, str]) -> str:
    keys = env.get("TRACKER_ENCRYPTION_KEY", "").strip()
    if keys:
        FieldCipher.from_keys(keys)  # refuse a malformed key now, not on the first message
        return keys
    if env.get("GATEWAY_ENV", "").strip().lower() == "production":
        raise ConfigurationError(
            "生产环境必须设置 TRACKER_ENCRYPTION_KEY / "
            "TRACKER_ENCRYPTION_KEY is required when GATEWAY_ENV=production"
        )
    path = Path(env.get("TRACKER_ENCRYPTION_KEY_FILE", "") or DEFAULT_KEY_FILE).expanduser()
    return key_from_file(path, create=True, variable="TRACKER_ENCRYPTION_KEY")
