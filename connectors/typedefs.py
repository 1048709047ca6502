"""Typed keys for what the application holds.

`web.AppKey` lets mypy know that `app[RASA_CLIENT]` is a `RasaClient`, where a
string key would give `Any` and a typo would surface only at run time.
"""

from __future__ import annotations

from aiohttp import web

from connectors.observers import TurnObserver
from connectors.rasa_client import RasaClient
from connectors.sessions import ConversationLocks, SessionSigner
from connectors.settings import GatewaySettings

SETTINGS = web.AppKey("settings", GatewaySettings)
RASA_CLIENT = web.AppKey("rasa_client", RasaClient)  # set while the app runs (cleanup_ctx)
SIGNER = web.AppKey("signer", SessionSigner)
LOCKS = web.AppKey("locks", ConversationLocks)
# Filled while the gateway is set up; handed to the Rasa client at start-up.
TURN_OBSERVERS: web.AppKey[list[TurnObserver]] = web.AppKey("turn_observers")
