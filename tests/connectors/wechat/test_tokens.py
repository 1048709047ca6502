"""The access token: one fetch for everyone, renewed early, forced refresh rate-limited."""

from __future__ import annotations

import asyncio

import pytest

from connectors.wechat import tokens as tokens_module
from connectors.wechat.errors import WeChatApiError, WeChatApiUnavailable
from connectors.wechat.tokens import AccessTokens, call_with_token


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Fetcher:
    """Counts fetches; each can be held open until released, or fail."""

    def __init__(self, lifetime: float = 7200) -> None:
        self.calls = 0
        self.lifetime = lifetime
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail = False

    async def __call__(self) -> tuple[str, float]:
        self.calls += 1
        await self.gate.wait()
        if self.fail:
            raise WeChatApiUnavailable("down")
        return f"T{self.calls}", self.lifetime


async def test_concurrent_callers_share_one_fetch() -> None:
    fetch, clock = Fetcher(), Clock()
    tokens = AccessTokens(fetch, clock)
    fetch.gate.clear()
    waiters = [asyncio.create_task(tokens.get()) for _ in range(20)]
    await asyncio.sleep(0.01)
    fetch.gate.set()
    assert await asyncio.gather(*waiters) == ["T1"] * 20
    assert fetch.calls == 1
    assert await tokens.get() == "T1"
    assert fetch.calls == 1


async def test_renewed_before_expiry_once_for_all() -> None:
    fetch, clock = Fetcher(lifetime=7200), Clock()
    tokens = AccessTokens(fetch, clock)
    assert await tokens.get() == "T1"
    clock.now += 7200 - 301  # still outside the 300 s margin
    assert await tokens.get() == "T1"
    clock.now += 2
    fetch.gate.clear()
    waiters = [asyncio.create_task(tokens.get()) for _ in range(20)]
    await asyncio.sleep(0.01)
    fetch.gate.set()
    assert set(await asyncio.gather(*waiters)) == {"T2"}
    assert fetch.calls == 2


async def test_short_lifetime_renews_at_half() -> None:
    fetch, clock = Fetcher(lifetime=100), Clock()
    tokens = AccessTokens(fetch, clock)
    await tokens.get()
    clock.now += 49
    assert await tokens.get() == "T1"
    clock.now += 2
    assert await tokens.get() == "T2"


async def test_failures_back_off_and_recover(caplog: pytest.LogCaptureFixture) -> None:
    fetch, clock = Fetcher(), Clock()
    fetch.fail = True
    tokens = AccessTokens(fetch, clock)
    with pytest.raises(WeChatApiUnavailable):
        await tokens.get()
    with pytest.raises(WeChatApiUnavailable, match="next attempt"):
        await tokens.get()  # backing off: no second fetch
    assert fetch.calls == 1
    clock.now += 1.1
    with pytest.raises(WeChatApiUnavailable):
        await tokens.get()
    assert fetch.calls == 2
    clock.now += 1.1  # the second failure waits 2 s
    with pytest.raises(WeChatApiUnavailable, match="next attempt"):
        await tokens.get()
    clock.now += 1.0
    fetch.fail = False
    assert await tokens.get() == "T3"
    assert "fetching the WeChat access token failed" in caplog.text


async def test_failed_renewal_keeps_the_still_valid_token() -> None:
    fetch, clock = Fetcher(lifetime=7200), Clock()
    tokens = AccessTokens(fetch, clock)
    await tokens.get()
    clock.now += 7000  # inside the renewal margin, before expiry
    fetch.fail = True
    assert await tokens.get() == "T1"
    assert await tokens.get() == "T1"  # backing off, old token still good
    assert fetch.calls == 2


async def test_forced_refresh_at_most_once_per_30_seconds() -> None:
    fetch, clock = Fetcher(), Clock()
    tokens = AccessTokens(fetch, clock)
    assert await tokens.get() == "T1"
    assert tokens.invalidate("T1")
    assert await tokens.get() == "T2"
    assert not tokens.invalidate("T2")  # 0 s after the last forced refresh
    assert await tokens.get() == "T2"
    assert tokens.invalidate("T1")  # stale token: already replaced, no refresh needed
    clock.now += tokens_module.FORCED_REFRESH_INTERVAL + 0.1
    assert tokens.invalidate("T2")
    assert await tokens.get() == "T3"
    assert fetch.calls == 3


async def test_call_with_token_retries_once_with_a_new_token() -> None:
    fetch, clock = Fetcher(), Clock()
    tokens = AccessTokens(fetch, clock)
    used: list[str] = []

    async def call(token: str) -> str:
        used.append(token)
        if token == "T1":
            raise WeChatApiError("expired", errcode=42001)
        return "ok"

    assert await call_with_token(tokens, call) == "ok"
    assert used == ["T1", "T2"]

    async def always_bad(token: str) -> str:
        used.append(token)
        raise WeChatApiError("invalid", errcode=40001)

    used.clear()
    with pytest.raises(WeChatApiError):
        await call_with_token(tokens, always_bad)
    assert used == ["T2"]  # the forced refresh was spent less than 30 s ago
    assert fetch.calls == 2


async def test_other_errcodes_are_not_retried() -> None:
    tokens = AccessTokens(Fetcher(), Clock())
    calls = 0

    async def call(token: str) -> None:
        nonlocal calls
        calls += 1
        raise WeChatApiError("too late", errcode=45015)

    with pytest.raises(WeChatApiError) as caught:
        await call_with_token(tokens, call)
    assert caught.value.is_final
    assert calls == 1
