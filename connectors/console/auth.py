"""Who is asking: an agent's session cookie, a bearer key, and the CSRF checks.

Sessions: the cookie holds a random token (session_store.py); it is HttpOnly
(page scripts cannot read it), SameSite=Strict (no other site's page makes
the browser send it), Secure in production, and on HTTPS named with the
`__Host-` prefix, which browsers accept only from this exact host over TLS
with Path=/ — a sibling subdomain cannot plant or overwrite it.

State-changing requests under /console/api/ must also

* not come from another site: an Origin header (or, without one,
  Sec-Fetch-Site) naming any other site is refused; and
* carry the session's CSRF token in `X-CSRF-Token`, compared with
  `hmac.compare_digest`. The page's script reads the token from
  GET /console/api/session, which no other origin can read.

The guard middleware applies all of this to every route under the prefix,
so a new console route cannot forget it; signing in is the one route open
without a session (it has the origin check, and is throttled).

Bearer keys (CONSOLE_API_KEYS) open GET /api/v1/search only. They are
compared as SHA-256 digests, every configured key each time, so neither the
length nor the position of a key leaks through timing.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from connectors.console.errors import CrossSiteRequest, CsrfRefused, NotSignedIn
from connectors.console.keys import AGENT, SESSIONS
from connectors.console.paths import API_PREFIX, SIGN_IN_PATH
from connectors.console.session_store import AgentSession
from connectors.settings import Environment, GatewaySettings
from connectors.typedefs import SETTINGS
from connectors.widget.cors import CorsPolicy
from connectors.widget.limits import RateLimits

CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_SAME_ORIGIN = CorsPolicy(())  # no foreign origin listed: only the gateway's own host passes


def cookie_name(settings: GatewaySettings) -> str:
    """`__Host-console` in production (HTTPS), `console_session` otherwise."""
    production = settings.environment is Environment.PRODUCTION
    return "__Host-console" if production else "console_session"


def set_session_cookie(
    response: web.StreamResponse, settings: GatewaySettings, token: str, max_age: int
) -> None:
    """The session cookie: Path=/ so /api/v1/search gets it too; it dies with the session."""
    response.set_cookie(
        cookie_name(settings),
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=settings.environment is Environment.PRODUCTION,
    )


def delete_session_cookie(response: web.StreamResponse, settings: GatewaySettings) -> None:
    response.del_cookie(
        cookie_name(settings),
        path="/",
        httponly=True,
        samesite="Strict",
        secure=settings.environment is Environment.PRODUCTION,
    )


async def current_agent(request: web.Request) -> AgentSession | None:
    """The agent whose live session cookie came with the request, if any."""
    if AGENT in request:
        return request[AGENT]
    token = request.cookies.get(cookie_name(request.app[SETTINGS]))
    if token is None:
        return None
    return await asyncio.to_thread(request.app[SESSIONS].resolve, token)


async def require_agent(request: web.Request) -> AgentSession:
    agent = await current_agent(request)
    if agent is None:
        raise NotSignedIn("no live session", message="登录已过期，请重新登录。")
    return agent


def header_bytes(value: str) -> bytes:
    """A header value as the bytes that came in.

    aiohttp decodes header values as UTF-8 and keeps bytes that are not
    (HTTP allows any octet from 0x80 up) as lone surrogates, which a plain
    `encode()` refuses; a stray byte in a key or token must be a wrong
    credential (401/403), not a 500 with a traceback.
    """
    return value.encode("utf-8", "surrogateescape")


def _digest(key: str) -> bytes:
    return hashlib.sha256(header_bytes(key)).digest()


def key_holder(request: web.Request) -> str | None:
    """ "key #N" for a valid `Authorization: Bearer` key; None without the header.

    Raises:
        NotSignedIn: the header is there but names no configured key.
    """
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, presented = header.partition(" ")
    offered = _digest(presented.strip())
    match = 0
    for number, key in enumerate(request.app[SETTINGS].console_api_keys, start=1):
        if hmac.compare_digest(offered, _digest(key)) and not match:
            match = number  # no early exit: every key is compared every time
    if scheme.lower() != "bearer" or not match:
        raise NotSignedIn(
            "bearer key not recognised", message="API 密钥无效，请检查 Authorization 请求头。"
        )
    return f"key #{match}"


def refuse_cross_site(request: web.Request) -> None:
    """Raise CrossSiteRequest for a browser request sent from a page on another site."""
    origin = request.headers.get("Origin")
    if origin is not None:
        if not _SAME_ORIGIN.allows(origin, request.host):  # "null" and foreign sites
            raise CrossSiteRequest(f"Origin {origin[:100]!r}")
    elif request.headers.get("Sec-Fetch-Site", "same-origin") not in {"same-origin", "none"}:
        raise CrossSiteRequest(f"Sec-Fetch-Site {request.headers['Sec-Fetch-Site'][:20]!r}")


def check_csrf(request: web.Request, agent: AgentSession) -> None:
    presented = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(header_bytes(presented), agent.csrf_token.encode()):
        raise CsrfRefused("CSRF token missing" if not presented else "CSRF token wrong")


def client_address(request: web.Request) -> str | None:
    """The client the sign-in throttle counts, as the widget's rate limit sees it."""
    limits = RateLimits(0, 0, request.app[SETTINGS].trusted_proxies)
    return limits.client_key(request.remote, request.headers.getall("X-Forwarded-For", []))


def console_guard() -> Middleware:
    """Session, same-site and CSRF checks for everything under /console/api/."""

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX):
            return await handler(request)
        changes_state = request.method not in SAFE_METHODS
        if changes_state:
            refuse_cross_site(request)
        if request.path != SIGN_IN_PATH:
            agent = await require_agent(request)
            if changes_state:
                check_csrf(request, agent)
            request[AGENT] = agent
        return await handler(request)

    return guard
