"""The gateway application: factory, lifecycle, routes and the error middleware.

`init_app(settings)` builds the application without touching the network;
the client session that talks to Rasa is opened and closed in `cleanup_ctx`,
so tests and `python -m connectors` run the same lifecycle. Routes:

    GET  /health       {"status": "ok", "rasa": true|false}
    POST /api/v1/chat  {"session_id"?, "text"} -> {"session_id", "messages": [...]}

A person always gets an answer from /api/v1/chat: a missing or foreign
session id gets a fresh conversation, and when Rasa is down, slow or answers
nonsense, the reply is the busy text (the cause goes to the log). Only a
request that cannot be a message — not JSON, no text, too long — is refused,
with a Chinese explanation.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import AsyncIterator, Mapping

import aiohttp
from aiohttp import web
from aiohttp.typedefs import Handler

from connectors.console import setup_console
from connectors.erasure import (
    HOTLINE,
    erase_everywhere,
    erased_reply,
    is_erase_request,
    setup_erasure,
)
from connectors.errors import (
    BadRequest,
    EmptyMessage,
    GatewayError,
    MessageTooLong,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RequestError,
    UpstreamError,
)
from connectors.json_body import read_json_object
from connectors.messages import ChatMessage, ChatReply, busy_reply, to_chat_messages
from connectors.observers import TurnObserver
from connectors.rasa_client import RasaClient, RasaTimeouts
from connectors.sessions import Conversation, ConversationLocks, SessionSigner
from connectors.settings import GatewaySettings
from connectors.typedefs import LOCKS, RASA_CLIENT, SETTINGS, SIGNER, TURN_OBSERVERS
from connectors.wechat import setup_wechat
from connectors.widget import setup_widget

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024  # a 2000-character message is about 6 KiB of JSON
CHANNEL = "web"  # told to Rasa in the message metadata

_dumps = functools.partial(json.dumps, ensure_ascii=False)
_HTTP_ERRORS: dict[int, type[RequestError]] = {
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
}


def init_app(settings: GatewaySettings, env: Mapping[str, str] | None = None) -> web.Application:
    """Build the gateway for `settings` (already validated by `GatewaySettings.from_env`).

    Channels read their own variables (WECHAT_*) from `env`, the process's
    environment by default.

    Raises:
        ConfigError: a channel's settings are invalid or unsafe in production.
    """
    app = web.Application(middlewares=[error_middleware], client_max_size=MAX_BODY_BYTES)
    app[SETTINGS] = settings
    app[SIGNER] = SessionSigner(settings.secret)
    app[LOCKS] = ConversationLocks()
    app[TURN_OBSERVERS] = []
    if settings.secret_is_ephemeral:
        log.warning(
            "GATEWAY_SECRET is not set: using a random secret for this process; "
            "session ids will not survive a restart"
        )
    app.cleanup_ctx.append(rasa_client_ctx)
    setup_erasure(app, env)  # before the channels, which register what they forget
    setup_routes(app)
    setup_wechat(app, env)  # /wechat, only when WECHAT_TOKEN is set; after the Rasa client
    setup_widget(app, env)  # /, /widget.js, /api/v1/feedback; CORS and rate limits on the API
    setup_console(app)  # /console, /api/v1/search; after the widget, whose feedback it reads
    return app


async def rasa_client_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the HTTP client to Rasa on start-up and close it on shutdown."""
    settings = app[SETTINGS]
    timeouts = RasaTimeouts(settings.rasa_connect_timeout, settings.rasa_read_timeout)
    observers: list[TurnObserver] = app[TURN_OBSERVERS]  # complete once set-up is over
    async with aiohttp.ClientSession() as session:
        app[RASA_CLIENT] = RasaClient(
            session, settings.rasa_url, timeouts, tuple(observers), token=settings.rasa_token
        )
        yield


def setup_routes(app: web.Application) -> None:
    """Every route of the gateway, in one place."""
    app.router.add_get("/health", health)
    app.router.add_post("/api/v1/chat", chat)


async def health(request: web.Request) -> web.Response:
    """Liveness of the gateway, and whether Rasa answers (the gateway is up either way)."""
    rasa_up = await request.app[RASA_CLIENT].is_up()
    return web.json_response({"status": "ok", "rasa": rasa_up}, dumps=_dumps)


async def chat(request: web.Request) -> web.Response:
    """One message from a person, answered by Rasa within that person's conversation."""
    settings = request.app[SETTINGS]
    body = await read_json_object(request, MAX_BODY_BYTES)
    text = _message_text(body.get("text"), settings.max_message_chars)
    conversation = request.app[SIGNER].resolve(body.get("session_id"))
    if conversation.is_new and body.get("session_id") is not None:
        log.info("session id not recognised; issued a new conversation")
    async with request.app[LOCKS].hold(conversation.key):
        if is_erase_request(text):
            messages = await _erase(request.app, conversation)
        else:
            messages = await _ask_rasa(request.app, conversation, text)
    reply: ChatReply = {"session_id": conversation.session_id, "messages": messages}
    return web.json_response(reply, dumps=_dumps)


def _message_text(raw: object, limit: int) -> str:
    """The person's message, stripped, or the reason it cannot be one."""
    if not isinstance(raw, str):
        raise BadRequest("text missing or not a string", message="请求中缺少文字内容（text）。")
    text = raw.strip()
    if not text:
        raise EmptyMessage("text is blank")
    if len(text) > limit:
        raise MessageTooLong(limit, len(text))
    return text


async def _erase(app: web.Application, conversation: Conversation) -> list[ChatMessage]:
    """“删除我的信息”: the conversation erased in Rasa and in the gateway."""
    erased = await erase_everywhere(app, conversation.sender_id, app[RASA_CLIENT].erase)
    return erased_reply(erased, app[HOTLINE])


async def _ask_rasa(
    app: web.Application, conversation: Conversation, text: str
) -> list[ChatMessage]:
    """Rasa's answer as chat messages; the busy text when Rasa fails in any way."""
    busy_text = app[SETTINGS].busy_text
    try:
        raw = await app[RASA_CLIENT].send(conversation.sender_id, text, {"channel": CHANNEL})
    except UpstreamError as exc:
        log.warning("Rasa failed for %s: %s: %s", conversation.sender_id, exc.code, exc.detail)
        return busy_reply(busy_text)
    if not raw:
        log.warning("Rasa answered nothing for %s; sent the busy text", conversation.sender_id)
    return to_chat_messages(raw, busy_text)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every failure into `{"error": code, "message": 中文}` with the right status.

    Gateway errors carry their own status and message; aiohttp's routing errors
    (404, 405, 413) are mapped to ours; anything else is logged with its
    traceback and answered with a plain 500, so no internals reach the client.
    """
    try:
        return await handler(request)
    except GatewayError as exc:
        error = exc
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        error_class = _HTTP_ERRORS.get(exc.status, RequestError if exc.status < 500 else None)
        error = error_class(exc.reason) if error_class else GatewayError(exc.reason)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        error = GatewayError("unhandled exception")
    if error.status >= 500:
        log.error("%s %s failed: %s: %s", request.method, request.path, error.code, error.detail)
    else:
        log.info("%s %s refused: %s: %s", request.method, request.path, error.code, error.detail)
    return web.json_response(
        {"error": error.code, "message": error.message}, status=error.status, dumps=_dumps
    )
