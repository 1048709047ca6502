"""python -m cases.server: run the reference case system until SIGINT or SIGTERM.

CASE_SERVER_HOST            127.0.0.1
CASE_SERVER_PORT            8090; 0 picks a free port (the bound one is logged:
                            "case system listening on http://HOST:PORT")
CASE_SERVER_TOKEN           the bearer token clients must send (required)
CASE_SERVER_DATABASE_URL    default sqlite:///<repo>/data/cases/case-system.db
CASE_SERVER_DATABASE_SCHEMA PostgreSQL schema for the tables (optional)
CASE_SERVER_ENCRYPTION_KEY  Fernet key(s) for the personal columns; without it a
                            SQLite database keeps a generated key in
                            CASE_SERVER_ENCRYPTION_KEY_FILE; a server database,
                            or GATEWAY_ENV=production, refuses to start
CASE_SERVER_ENCRYPTION_KEY_FILE  that key file, secrets/case-system.key: outside
                            data/, never beside the database it protects (a key
                            an older version left there, <database>.key, is
                            still used, with a warning to move it)
CASE_SERVER_FAULTS          1 serves /_faults (fault injection, for tests only)

Settings are checked before anything listens: a missing token or key stops
the process with one line on stderr and exit status 2, not a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from cases.errors import BackendUnavailable, ConfigurationError
from cases.privacy import install_redaction
from cases.server.app import make_app
from cases.server.faults import FaultPlan
from cases.settings import DATA, SECRETS, CaseSettings, is_production
from cases.sql import SqlCaseBackend

log = logging.getLogger("cases.server")

DEFAULT_DATABASE_URL = f"sqlite:///{DATA / 'case-system.db'}"
DEFAULT_KEY_FILE = SECRETS / "case-system.key"
PRODUCTION_NEEDS_KEY = (
    "生产模式（GATEWAY_ENV=production）必须设置 CASE_SERVER_ENCRYPTION_KEY，不会生成密钥文件 / "
    "CASE_SERVER_ENCRYPTION_KEY is required when GATEWAY_ENV=production"
)


@dataclass(frozen=True)
class ServerSettings:
    host: str
    port: int
    token: str
    store: CaseSettings
    faults: bool

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServerSettings:
        env = os.environ if env is None else env
        token = env.get("CASE_SERVER_TOKEN", "").strip()
        if not token:
            raise ConfigurationError("CASE_SERVER_TOKEN is required (the clients' bearer token)")
        raw_port = env.get("CASE_SERVER_PORT", "") or "8090"
        if not raw_port.isdigit() or int(raw_port) > 65535:
            raise ConfigurationError(f"CASE_SERVER_PORT must be a port number, not {raw_port!r}")
        url = env.get("CASE_SERVER_DATABASE_URL") or DEFAULT_DATABASE_URL
        try:
            database = make_url(url).database
        except ArgumentError:
            raise ConfigurationError("CASE_SERVER_DATABASE_URL is not a database URL") from None
        # CaseSettings.cipher() already knows the rule "a key from the
        # environment, else (SQLite in development only) a key file"; the case
        # system gets a file of its own, so it never shares the bot store's key.
        key_file = env.get("CASE_SERVER_ENCRYPTION_KEY_FILE", "").strip()
        legacy = None
        if not key_file and url.startswith("sqlite") and database and database != ":memory:":
            legacy = Path(database).with_suffix(".key")  # where older versions put it
        store = CaseSettings(
            database_url=url,
            database_schema=env.get("CASE_SERVER_DATABASE_SCHEMA") or None,
            encryption_keys=env.get("CASE_SERVER_ENCRYPTION_KEY") or None,
            key_file=Path(key_file) if key_file else DEFAULT_KEY_FILE,
            legacy_key_file=legacy,
            production=is_production(env),
        )
        if store.production and not store.encryption_keys:
            raise ConfigurationError(PRODUCTION_NEEDS_KEY)
        if not store.embedded and not store.encryption_keys:
            raise ConfigurationError(
                "CASE_SERVER_ENCRYPTION_KEY is required with a server database "
                "(make one with `python -m cases keygen`)"
            )
        return cls(
            host=env.get("CASE_SERVER_HOST") or "127.0.0.1",
            port=int(raw_port),
            token=token,
            store=store,
            faults=env.get("CASE_SERVER_FAULTS", "") == "1",
        )


async def serve(app: web.Application, host: str, port: int) -> None:
    """Listen until SIGINT or SIGTERM, then shut down gracefully (app cleanup included)."""
    runner = web.AppRunner(app, shutdown_timeout=5.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        bound = runner.addresses[0][1]
        shown = f"[{host}]" if ":" in host else host
        log.info("case system listening on http://%s:%d", shown, bound)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        log.info("case system stopping")
    finally:
        await runner.cleanup()


def main(env: Mapping[str, str] | None = None) -> int:
    """Check settings, open the store, serve; returns the process exit status."""
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    install_redaction()
    try:
        settings = ServerSettings.from_env(env)
        backend = SqlCaseBackend.open(settings.store)
    except ConfigurationError as exc:
        print(f"case server: {exc}", file=sys.stderr)
        return 2
    except BackendUnavailable as exc:
        print(f"case server: cannot open the case database ({exc})", file=sys.stderr)
        return 1

    async def close_store(_app: web.Application) -> None:
        await backend.close()

    app = make_app(backend, settings.token, FaultPlan() if settings.faults else None)
    app.on_cleanup.append(close_store)
    if settings.faults:
        log.warning("fault injection is on (CASE_SERVER_FAULTS=1): not for production")
    try:
        asyncio.run(serve(app, settings.host, settings.port))
    except OSError as exc:
        print(
            f"case server: cannot listen on {settings.host}:{settings.port}: {exc}", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
