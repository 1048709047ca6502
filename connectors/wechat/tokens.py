"""The access token: fetched by one refresher, cached, shared, renewed before it expires.

WeChat allows a few thousand token fetches a day per account and each fetch
invalidates the previous token within minutes, so callers never fetch on
their own: `AccessTokens.get` returns the cached token, and when it is
missing or about to expire, exactly one fetch runs while every concurrent
caller awaits that same fetch.

Failures never crash anything: a failed fetch is logged and the next one waits
(1 s, 2 s, 4 s ... up to a minute), callers meanwhile get
`WeChatApiUnavailable` at once. So the gateway starts and serves while the
API is unreachable, and picks the token up once it is.

A token WeChat refuses (errcode 40001/40014/42001) is dropped and refetched
(`call_with_token` retries the call once), but at most once per 30 seconds: a
wrong AppSecret or a clock problem must not turn into a fetch per message.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from connectors.wechat.errors import WeChatApiError, WeChatApiUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")
Fetch = Callable[[], Awaitable[tuple[str, float]]]

REFRESH_MARGIN = 300.0  # renew this long before expiry (at most half the lifetime)
FORCED_REFRESH_INTERVAL = 30.0
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 60.0


class AccessTokens:
    """The account's access token, shared by every caller in the process.

    Args:
        fetch: gets a new token and its lifetime (WeChatApi.fetch_token).
        clock: monotonic seconds; replaced in tests to reach expiry instantly.
    """

    def __init__(self, fetch: Fetch, clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch
        self.clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._refresh_at = 0.0
        self._refreshing: asyncio.Future[str] | None = None
        self._retry_at = 0.0
        self._failures = 0
        self._last_forced: float | None = None

    async def get(self) -> str:
        """A valid token, fetching one only when needed (one fetch for all callers).

        Raises:
            WeChatApiError: the fetch failed, or failed recently and is backing off.
        """
        now = self.clock()
        if self._token is not None and now < self._refresh_at:
            return self._token
        if self._refreshing is None:
            if now < self._retry_at:
                if self._token is not None and now < self._expires_at:
                    return self._token  # renewal failed, but the old token still works
                raise WeChatApiUnavailable(
                    f"access token unavailable; next attempt in {self._retry_at - now:.0f} s"
                )
            self._refreshing = asyncio.ensure_future(self._refresh())
        # shield: a caller that is cancelled must not cancel everyone's fetch.
        return await asyncio.shield(self._refreshing)

    def invalidate(self, token: str) -> bool:
        """WeChat refused `token`; returns whether calling again can use another one."""
        if token != self._token:
            return True  # already replaced by a newer token
        now = self.clock()
        if self._last_forced is not None and now - self._last_forced < FORCED_REFRESH_INTERVAL:
            return False
        self._last_forced = now
        self._token = None
        self._retry_at = 0.0
        log.warning("WeChat refused the access token; fetching a new one")
        return True

    async def _refresh(self) -> str:
        try:
            token, lifetime = await self._fetch()
        except WeChatApiError as exc:
            self._failures += 1
            delay = min(BACKOFF_FIRST * 2 ** (self._failures - 1), BACKOFF_MAX)
            self._retry_at = self.clock() + delay
            log.warning(
                "fetching the WeChat access token failed (%s: %s); next try in %.0f s",
                exc.code,
                exc.detail,
                delay,
            )
            if self._token is not None and self.clock() < self._expires_at:
                return self._token
            raise
        finally:
            self._refreshing = None
        now = self.clock()
        self._token = token
        self._expires_at = now + lifetime
        self._refresh_at = now + lifetime - min(REFRESH_MARGIN, lifetime / 2)
        if self._failures:
            log.info("WeChat access token fetched after %d failed attempts", self._failures)
        self._failures = 0
        return token


async def call_with_token(tokens: AccessTokens, call: Callable[[str], Awaitable[T]]) -> T:
    """`call(token)`, once more with a new token if WeChat says the token is bad.

    Raises:
        WeChatApiError: from the token fetch or from the call.
    """
    token = await tokens.get()
    try:
        return await call(token)
    except WeChatApiError as exc:
        if not exc.is_token_error or not tokens.invalidate(token):
            raise
    return await call(await tokens.get())
