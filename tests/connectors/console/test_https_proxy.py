"""The production set-up of connectors/README.md: HTTPS at a reverse proxy, the gateway behind it.

The gateway runs with GATEWAY_ENV=production behind a TLS-terminating proxy
(tests/connectors/tls_proxy.py: a self-signed certificate, X-Forwarded-For
appended as nginx's `$proxy_add_x_forwarded_for` does). Clients connect to
the proxy over HTTPS from distinct loopback addresses. What is checked is
what an agent's browser and an operator see: the console's session cookie
is `__Host-console` with Secure, HttpOnly and SameSite=Strict and works over
HTTPS; the chat rate limit and the sign-in throttle count the client named
in X-Forwarded-For when the proxy is trusted (TRUSTED_PROXIES), and the
proxy itself — everyone behind it — when it is not; a client cannot escape
by sending its own X-Forwarded-For.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import aiohttp
import pytest

from connectors.settings import Environment
from tests.connectors.console.conftest import AGENT, PASSWORD, MakeConsole
from tests.connectors.tls_proxy import ReverseProxy, client_session, self_signed_certificate

CLIENT_A, CLIENT_B = "127.0.0.2", "127.0.0.3"  # two people behind the same proxy
TRUSTED = ("127.0.0.1", "::1")  # the proxy connects from 127.0.0.1
UNTRUSTED = ("10.0.0.0/8",)  # a proxy the gateway was not told about
MAX_GUESSES = 40  # the per-address count stops one address well before this


@dataclass
class Site:
    """The proxy's HTTPS address and a client session per source address."""

    base: str
    cert: Path
    sessions: list[aiohttp.ClientSession]

    def client(self, source: str) -> aiohttp.ClientSession:
        session = client_session(self.cert, source)
        self.sessions.append(session)
        return session


MakeSite = Callable[..., Awaitable[Site]]


def same_origin(base: str) -> dict[str, str]:
    """What a browser adds to a POST from the gateway's own page (served at `base`)."""
    return {"Origin": base, "Sec-Fetch-Site": "same-origin"}


@pytest.fixture
async def behind_proxy(make_console: MakeConsole, tmp_path: Path) -> AsyncIterator[MakeSite]:
    """Start a production gateway (settings changed as given) behind the TLS proxy."""
    cert, key = self_signed_certificate(tmp_path)
    async with AsyncExitStack() as stack:
        sessions: list[aiohttp.ClientSession] = []

        async def make(**changes: object) -> Site:
            console = await make_console(environment=Environment.PRODUCTION, **changes)
            proxy = ReverseProxy(str(console.client.make_url("/")))
            base = await stack.enter_async_context(proxy.serving(cert, key))
            return Site(base, cert, sessions)

        yield make
        for session in sessions:
            await session.close()


async def test_the_console_cookie_is_host_only_and_secure_over_https(
    behind_proxy: MakeSite,
) -> None:
    site = await behind_proxy()
    browser = site.client(CLIENT_A)
    async with browser.post(
        site.base + "/console/api/login",
        json={"name": AGENT, "password": PASSWORD},
        headers=same_origin(site.base),
    ) as response:
        assert response.status == 200
        set_cookies = response.headers.getall("Set-Cookie")
    assert len(set_cookies) == 1
    cookie = SimpleCookie()
    cookie.load(set_cookies[0])
    assert list(cookie) == ["__Host-console"]
    morsel = cookie["__Host-console"]
    assert morsel["secure"] is True
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Strict"
    assert morsel["path"] == "/"
    assert morsel["domain"] == ""  # __Host-: this host only
    async with browser.get(site.base + "/console/api/session") as response:
        assert response.status == 200
        assert (await response.json())["name"] == AGENT


async def _chat(session: aiohttp.ClientSession, base: str, **headers: str) -> int:
    async with session.post(
        base + "/api/v1/chat", json={"text": "专利侵权怎么办"}, headers=same_origin(base) | headers
    ) as response:
        await response.read()
        return response.status


@pytest.mark.parametrize(("trusted", "b_status"), [(TRUSTED, 200), (UNTRUSTED, 429)])
async def test_the_rate_limit_counts_the_forwarded_client_only_behind_a_trusted_proxy(
    behind_proxy: MakeSite, trusted: tuple[str, ...], b_status: int
) -> None:
    site = await behind_proxy(
        trusted_proxies=trusted, rate_limit_ip_per_minute=2, rate_limit_session_per_minute=0
    )
    a, b = site.client(CLIENT_A), site.client(CLIENT_B)
    assert [await _chat(a, site.base) for _ in range(2)] == [200, 200]
    assert await _chat(a, site.base) == 429
    # A's own X-Forwarded-For is kept, but the proxy appends A's address after it.
    assert await _chat(a, site.base, **{"X-Forwarded-For": "198.51.100.7"}) == 429
    assert await _chat(b, site.base) == b_status


async def _sign_in(session: aiohttp.ClientSession, base: str, name: str, password: str) -> int:
    async with session.post(
        base + "/console/api/login",
        json={"name": name, "password": password},
        headers=same_origin(base),
    ) as response:
        await response.read()
        return response.status


@pytest.mark.parametrize(("trusted", "b_status"), [(TRUSTED, 200), (UNTRUSTED, 429)])
async def test_the_sign_in_throttle_counts_the_forwarded_client_only_behind_a_trusted_proxy(
    behind_proxy: MakeSite, trusted: tuple[str, ...], b_status: int
) -> None:
    site = await behind_proxy(trusted_proxies=trusted)
    a, b = site.client(CLIENT_A), site.client(CLIENT_B)
    # A guesses under ever new names, so that only a count of A's address can stop A.
    statuses = [await _sign_in(a, site.base, f"guess.{n}", "wrong") for n in range(MAX_GUESSES)]
    assert 429 in statuses, "no address count stopped the guesses"
    assert set(statuses[: statuses.index(429)]) == {401}
    assert await _sign_in(a, site.base, AGENT, PASSWORD) == 429
    assert await _sign_in(b, site.base, AGENT, PASSWORD) == b_status
