"""python -m connectors: run the gateway until interrupted.

Settings are read and checked before anything listens, so a deployment with a
missing secret stops with one line on stderr (exit status 2), not a traceback.
The access log is the gateway's own (access_log.py): it never prints a query
string, where WeChat's signatures and the console's search questions travel.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping

from aiohttp import web

from cases.privacy import install_redaction
from connectors.access_log import PathOnlyAccessLogger
from connectors.app import init_app
from connectors.errors import ConfigError
from connectors.settings import GatewaySettings

log = logging.getLogger("connectors")


def main(env: Mapping[str, str] | None = None) -> int:
    """Load settings, then serve; returns the process exit status."""
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    install_redaction()  # every log line, aiohttp's access log included
    try:
        settings = GatewaySettings.from_env(env)
        # Channels read their own settings (WECHAT_*, …) while the app is built.
        app = init_app(settings, env)
    except ConfigError as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        return 2
    log.info("gateway on %s:%d, Rasa at %s", settings.host, settings.port, settings.rasa_url)
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        print=None,
        access_log_class=PathOnlyAccessLogger,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
