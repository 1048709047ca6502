"""The WeChat official-account channel of the gateway (公众号 服务器配置).

`setup_wechat(app)` adds GET/POST /wechat and the channel's lifecycle to the
gateway when WECHAT_TOKEN is set, and does nothing otherwise. See README.md
in connectors/ for the modules and their tests.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Mapping

import aiohttp
from aiohttp import web

from connectors.erasure import FALLBACK_HOTLINE, HOTLINE, erase_everywhere
from connectors.errors import ConfigError
from connectors.settings import Environment
from connectors.typedefs import LOCKS, RASA_CLIENT, SETTINGS
from connectors.wechat.channel import WECHAT, WECHAT_SETTINGS, WeChatChannel
from connectors.wechat.privacy import install_openid_masking
from connectors.wechat.settings import WeChatSettings
from connectors.wechat.webhook import receive, verify_url

log = logging.getLogger(__name__)

__all__ = ["WECHAT", "WECHAT_SETTINGS", "WeChatChannel", "setup_wechat"]

PATH = "/wechat"


def setup_wechat(app: web.Application, env: Mapping[str, str] | None = None) -> bool:
    """Turn the channel on if WECHAT_TOKEN is set; returns whether it is on.

    Call after the Rasa client's cleanup context is registered: the channel
    uses that client, so it must start after it and stop before it.

    Raises:
        ConfigError: WECHAT_TOKEN is set but the channel's settings are invalid,
            or unsafe for GATEWAY_ENV=production.
    """
    gateway = app.get(SETTINGS)
    production = gateway is not None and gateway.environment is Environment.PRODUCTION
    settings = WeChatSettings.from_env(env, production=production)
    if settings is None:
        return False
    if production and gateway is not None and not gateway.rasa_token:
        # Unsubscribing erases the conversation through Rasa's token-protected API.
        raise ConfigError("RASA_TOKEN is required with WeChat when GATEWAY_ENV=production")
    app[WECHAT_SETTINGS] = settings
    install_openid_masking()  # WeChat puts the OpenID in every POST's query string
    app.cleanup_ctx.append(wechat_ctx)
    app.router.add_get(PATH, verify_url)
    app.router.add_post(PATH, receive)
    log.info(
        "WeChat channel on %s (%s mode, API at %s)",
        PATH,
        "safe" if settings.safe_mode else "plain",
        settings.api_base,
    )
    return True


async def wechat_ctx(app: web.Application) -> AsyncIterator[None]:
    """The channel's own HTTP client (the WeChat API) and running turns."""
    async with aiohttp.ClientSession() as session:
        rasa = app[RASA_CLIENT]
        channel = WeChatChannel(
            app[WECHAT_SETTINGS],
            app[SETTINGS],
            app[LOCKS],
            rasa,
            session,
            erase=functools.partial(erase_everywhere, app, erase_in_rasa=rasa.erase),
            hotline=app.get(HOTLINE, FALLBACK_HOTLINE),
        )
        app[WECHAT] = channel
        yield
        await channel.close()
