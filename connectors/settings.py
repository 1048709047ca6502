"""The gateway's settings, read once at start-up and checked before serving.

Secrets come only from the environment; everything else has a default that
works on one machine, may be set in a YAML file named by GATEWAY_CONFIG, and
is overridden by the environment:

    GATEWAY_ENV            development | production (refuses what is unsafe:
                           see production.py)                 (development)
    GATEWAY_HOST           address to listen on               (0.0.0.0)
    GATEWAY_PORT           port to listen on                  (8080)
    RASA_URL               Rasa server, loopback              (http://127.0.0.1:5005)
    RASA_CONNECT_TIMEOUT   seconds to connect to Rasa         (2)
    RASA_READ_TIMEOUT      seconds to wait for Rasa's answer  (15)
    MAX_MESSAGE_CHARS      longest message a person may send  (2000)
    BUSY_TEXT              what a person sees when Rasa fails (系统繁忙，请稍后再试。)
    RASA_TOKEN             secret: Rasa HTTP API token        (none)
    GATEWAY_SECRET         secret: signs session ids; required in production
    FEEDBACK_DB_PATH       SQLite file of the widget's 👍/👎   (data/feedback/feedback.db)
    WIDGET_ALLOWED_ORIGINS origins (comma-separated) that may call the chat API
                           from a browser, besides the gateway's own  (none)
    RATE_LIMIT_IP_PER_MINUTE       chat + feedback requests per client IP (30; 0 = off)
    RATE_LIMIT_SESSION_PER_MINUTE  chat + feedback requests per session   (20; 0 = off)
    TRUSTED_PROXIES        reverse proxies (IPs or networks, comma-separated) whose
                           X-Forwarded-For names the client  (127.0.0.1,::1)
    CONSOLE_DB_PATH        SQLite file of the console's accounts, sessions and
                           unanswered questions    (data/console/console.db)
    CONSOLE_IDLE_MINUTES   a console session ends after this long unused   (30)
    CONSOLE_SESSION_HOURS  and after this long in any case                 (12)
    CONSOLE_API_KEYS       secret: bearer keys (comma-separated, each at least 32
                           characters) for the hotline's systems on /api/v1/search

Without GATEWAY_SECRET outside production, a random secret is made for this
process: it works, but every session id is forgotten on restart (app.py logs a
warning). Any invalid value raises `ConfigError` with a one-line reason, so a
bad deployment stops at once instead of failing on the first user's message.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from connectors.errors import ConfigError
from connectors.production import check_production

MIN_SECRET_CHARS = 32
SECRET_FIELDS = frozenset({"secret", "rasa_token", "console_api_keys"})


class Environment(StrEnum):
    """Where the gateway runs; production refuses to start without its secrets."""

    DEVELOPMENT = "development"
    PRODUCTION = "production"


@dataclass(frozen=True)
class GatewaySettings:
    """Everything the gateway needs to know about its deployment."""

    environment: Environment = Environment.DEVELOPMENT
    host: str = "0.0.0.0"  # noqa: S104 - the gateway is the one process open to the outside
    port: int = 8080
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_connect_timeout: float = 2.0
    rasa_read_timeout: float = 15.0
    max_message_chars: int = 2000
    busy_text: str = "系统繁忙，请稍后再试。"
    rasa_token: str | None = field(default=None, repr=False)
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    secret_is_ephemeral: bool = True
    feedback_db_path: Path = Path("data/feedback/feedback.db")
    widget_allowed_origins: tuple[str, ...] = ()
    rate_limit_ip_per_minute: int = 30
    rate_limit_session_per_minute: int = 20
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    console_db_path: Path = Path("data/console/console.db")
    console_idle_minutes: int = 30
    console_session_hours: int = 12
    console_api_keys: tuple[str, ...] = field(default=(), repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> GatewaySettings:
        """Read the YAML file (if any) and the environment, then validate.

        Raises:
            ConfigError: a value is missing, malformed or out of range.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        config_path = env.get("GATEWAY_CONFIG")
        if config_path:
            values.update(_read_yaml(Path(config_path)))
        for name, var in _ENV_NAMES.items():
            if env.get(var, "").strip():
                values[name] = env[var].strip()
        if env.get("RASA_TOKEN"):
            values["rasa_token"] = env["RASA_TOKEN"]
        if env.get("CONSOLE_API_KEYS", "").strip():
            values["console_api_keys"] = env["CONSOLE_API_KEYS"]
        changes = {name: _convert(name, raw) for name, raw in values.items()}
        settings = replace(cls(), **changes)
        secret = env.get("GATEWAY_SECRET", "")
        if secret:
            if len(secret) < MIN_SECRET_CHARS:
                raise ConfigError(
                    f"GATEWAY_SECRET must have at least {MIN_SECRET_CHARS} characters"
                )
            settings = replace(settings, secret=secret.encode(), secret_is_ephemeral=False)
        elif settings.environment is Environment.PRODUCTION:
            raise ConfigError("GATEWAY_SECRET is required when GATEWAY_ENV=production")
        settings.validate()
        if settings.environment is Environment.PRODUCTION:
            check_production(settings, env)  # tokens, the case store's key
        return settings

    def validate(self) -> None:
        """Check ranges and shapes that the types alone do not guarantee.

        Raises:
            ConfigError: the first value found invalid.
        """
        if not 0 < self.port < 65536:
            raise ConfigError(f"GATEWAY_PORT must be 1-65535, not {self.port}")
        url = urlsplit(self.rasa_url)
        if url.scheme not in {"http", "https"} or not url.hostname:
            raise ConfigError(f"RASA_URL must be an http(s) URL, not {self.rasa_url!r}")
        for name in ("rasa_connect_timeout", "rasa_read_timeout", "max_message_chars"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name.upper()} must be positive")
        if not self.busy_text.strip():
            raise ConfigError("BUSY_TEXT must not be empty")
        for name in ("rate_limit_ip_per_minute", "rate_limit_session_per_minute"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name.upper()} must be 0 (off) or more")
        for name in ("console_idle_minutes", "console_session_hours"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name.upper()} must be positive")
        if self.console_idle_minutes > self.console_session_hours * 60:
            raise ConfigError("CONSOLE_IDLE_MINUTES must not exceed CONSOLE_SESSION_HOURS")
        if any(len(key) < MIN_SECRET_CHARS for key in self.console_api_keys):
            # A short key can be guessed; the search API has no rate limit of its own.
            raise ConfigError(
                f"each CONSOLE_API_KEYS key needs at least {MIN_SECRET_CHARS} characters"
            )


_ENV_NAMES = {
    "environment": "GATEWAY_ENV",
    "host": "GATEWAY_HOST",
    "port": "GATEWAY_PORT",
    "rasa_url": "RASA_URL",
    "rasa_connect_timeout": "RASA_CONNECT_TIMEOUT",
    "rasa_read_timeout": "RASA_READ_TIMEOUT",
    "max_message_chars": "MAX_MESSAGE_CHARS",
    "busy_text": "BUSY_TEXT",
    "feedback_db_path": "FEEDBACK_DB_PATH",
    "widget_allowed_origins": "WIDGET_ALLOWED_ORIGINS",
    "rate_limit_ip_per_minute": "RATE_LIMIT_IP_PER_MINUTE",
    "rate_limit_session_per_minute": "RATE_LIMIT_SESSION_PER_MINUTE",
    "trusted_proxies": "TRUSTED_PROXIES",
    "console_db_path": "CONSOLE_DB_PATH",
    "console_idle_minutes": "CONSOLE_IDLE_MINUTES",
    "console_session_hours": "CONSOLE_SESSION_HOURS",
}

_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "environment": lambda raw: Environment(str(raw).lower()),
    "port": int,
    "rasa_url": lambda raw: str(raw).rstrip("/"),
    "rasa_connect_timeout": float,
    "rasa_read_timeout": float,
    "max_message_chars": int,
    "feedback_db_path": lambda raw: Path(str(raw)).expanduser(),
    "widget_allowed_origins": lambda raw: tuple(_origin(item) for item in _items(raw)),
    "rate_limit_ip_per_minute": int,
    "rate_limit_session_per_minute": int,
    "trusted_proxies": lambda raw: tuple(_network(item) for item in _items(raw)),
    "console_db_path": lambda raw: Path(str(raw)).expanduser(),
    "console_idle_minutes": int,
    "console_session_hours": int,
    "console_api_keys": lambda raw: tuple(_items(raw)),
}


def _items(raw: Any) -> list[str]:
    """A comma-separated string (environment) or a list (YAML) as clean items."""
    parts = raw if isinstance(raw, list | tuple) else str(raw).split(",")
    return [str(part).strip() for part in parts if str(part).strip()]


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(raw: str) -> str:
    """An origin as browsers serialise it in the Origin header: scheme://host[:port].

    Lower case and without a default port, so that an exact string match
    against the header is right; "null" and "*" are refused: "null" is what
    sandboxed frames and file:// pages send, and any page can be one.
    """
    url = urlsplit(raw.rstrip("/"))
    if (
        url.scheme not in _DEFAULT_PORTS
        or not url.hostname
        or url.path
        or url.query
        or url.fragment
        or url.username is not None
    ):
        raise ValueError(f"not an origin: {raw!r}")
    host = f"[{url.hostname}]" if ":" in url.hostname else url.hostname
    port = url.port  # raises ValueError on a bad port
    if port is not None and port != _DEFAULT_PORTS[url.scheme]:
        host += f":{port}"
    return f"{url.scheme}://{host}"


def _network(raw: str) -> str:
    """An IP address or network, normalised (`10.0.0.0/8`, `127.0.0.1/32`)."""
    return str(ipaddress.ip_network(raw, strict=False))


def _convert(name: str, raw: Any) -> Any:
    """Turn one raw value into its field's type, naming the variable when it fails."""
    try:
        return _CONVERTERS.get(name, str)(raw)
    except (TypeError, ValueError) as exc:
        var = _ENV_NAMES.get(name, name.upper())
        raise ConfigError(f"{var} has an invalid value {raw!r}") from exc


def _read_yaml(path: Path) -> dict[str, Any]:
    """Non-secret settings from a YAML mapping whose keys are the field names."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(
            f"GATEWAY_CONFIG {path} cannot be read ({exc.__class__.__name__})"
        ) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"GATEWAY_CONFIG {path} must hold a mapping of settings")
    known = {f.name for f in fields(GatewaySettings)} - SECRET_FIELDS - {"secret_is_ephemeral"}
    for key in data:
        if key in SECRET_FIELDS or key == "gateway_secret":
            raise ConfigError(
                f"GATEWAY_CONFIG {path}: secrets belong in the environment, not {key}"
            )
        if key not in known:
            raise ConfigError(f"GATEWAY_CONFIG {path}: unknown setting {key!r}")
    return dict(data)
