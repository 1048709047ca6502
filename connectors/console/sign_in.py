"""Signing in and out, and what the page learns about its session.

    POST /console/api/login    {"name", "password"} -> 200 {"name", "csrf_token", "idle_minutes"}
                               and the session cookie; 401 bad_credentials; 429 sign_in_throttled
    POST /console/api/logout   -> 204, the session ended and the cookie deleted
    GET  /console/api/session  -> {"name", "csrf_token", "idle_minutes"}

A wrong password, an unknown name and a disabled account get the same
answer after the same work (one scrypt check, account_store.py). The name
someone typed is never logged on failure: people type passwords into the
name field. Failures are slowed, never locked out (the policy is in
throttle.py); the throttle keeps its counts in the console database.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from connectors.console.auth import (
    client_address,
    cookie_name,
    delete_session_cookie,
    require_agent,
    set_session_cookie,
)
from connectors.console.errors import BadCredentials, SignInThrottled
from connectors.console.keys import ACCOUNTS, SESSIONS, THROTTLE
from connectors.console.responses import json_response, read_json_object
from connectors.console.session_store import AgentSession
from connectors.errors import BadRequest
from connectors.typedefs import SETTINGS
from connectors.widget.limits import RETRY_AFTER

log = logging.getLogger(__name__)

MAX_FIELD_CHARS = 256


def _session_json(request: web.Request, agent: AgentSession) -> dict[str, object]:
    return {
        "name": agent.name,
        "csrf_token": agent.csrf_token,
        "idle_minutes": request.app[SETTINGS].console_idle_minutes,
    }


def _field(body: dict[str, object], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value or len(value) > MAX_FIELD_CHARS:
        raise BadRequest(f"{name} missing or not a short string", message="请输入账号和密码。")
    return value


async def sign_in(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    name, password = _field(body, "name"), _field(body, "password")
    throttle = request.app[THROTTLE]
    accounts = request.app[ACCOUNTS]
    address = client_address(request)
    async with throttle.slots:
        try:
            await asyncio.to_thread(throttle.check, accounts.db, name, address)
        except SignInThrottled as exc:
            request[RETRY_AFTER] = exc.retry_after  # the widget's hook writes Retry-After
            raise
        account = await asyncio.to_thread(accounts.authenticate, name, password)
        if account is None:
            await asyncio.to_thread(throttle.failed, accounts.db, name, address)
            raise BadCredentials("sign-in refused")
        await asyncio.to_thread(throttle.succeeded, accounts.db, name, address)
    settings = request.app[SETTINGS]
    sessions = request.app[SESSIONS]
    previous = request.cookies.get(cookie_name(settings))
    if previous:
        await asyncio.to_thread(sessions.end, previous)  # a new sign-in is a new session
    token, agent = await asyncio.to_thread(sessions.create, account)
    log.info("console: agent %s signed in", account.name)
    response = json_response(_session_json(request, agent))
    set_session_cookie(response, settings, token, int(sessions.lifetime_seconds))
    return response


async def sign_out(request: web.Request) -> web.Response:
    agent = await require_agent(request)
    settings = request.app[SETTINGS]
    token = request.cookies.get(cookie_name(settings))
    await asyncio.to_thread(request.app[SESSIONS].end, token)
    log.info("console: agent %s signed out", agent.name)
    response = web.Response(status=204)
    delete_session_cookie(response, settings)
    return response


async def session(request: web.Request) -> web.Response:
    return json_response(_session_json(request, await require_agent(request)))
