"""A correctly signed request seen before has no effect.

In plain mode the signature covers token, timestamp and nonce but not the
body: whoever holds one signed URL could post any XML under it until its
timestamp leaves the clock-skew window — a forged `unsubscribe` erasing
someone else's conversation, or a message in their name. The gateway
remembers each (timestamp, nonce) until then: the same pair with another
body is refused, with the same body (WeChat retrying the very request) it
shares the turn it started, or, once that is forgotten, does nothing.
"""

from __future__ import annotations

import asyncio

import pytest

from connectors.wechat.errors import ReplayRefused
from connectors.wechat.replay import MemoryReplayCache, Seen, check_replay
from tests.connectors.wechat.conftest import (
    OPENID,
    MakeGateway,
    TrackerRasa,
    WeChatPush,
    event_xml,
    eventually,
    openid,
    text_xml,
)

# --- the cache ----------------------------------------------------------------------


class WallClock:
    """Unix seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_first_use_is_new_then_the_first_fingerprint_comes_back() -> None:
    clock = WallClock()
    cache = MemoryReplayCache(clock=clock)
    assert await cache.remember("1800000000:1", "body-a", clock.now + 300) is None
    assert await cache.remember("1800000000:1", "body-b", clock.now + 300) == "body-a"
    assert await cache.remember("1800000000:2", "body-b", clock.now + 300) is None


async def test_a_pair_is_remembered_until_it_expires_not_longer() -> None:
    clock = WallClock()
    cache = MemoryReplayCache(clock=clock)
    await cache.remember("k", "body", clock.now + 300)
    clock.now += 299
    assert await cache.remember("k", "other", clock.now + 300) == "body"
    clock.now += 2
    assert await cache.remember("k", "other", clock.now + 300) is None  # a new request now
    assert len(cache) == 1


async def test_memory_is_bounded_and_drops_the_soonest_to_expire() -> None:
    clock = WallClock()
    cache = MemoryReplayCache(max_entries=3, clock=clock)
    for n, expires in enumerate([50, 10, 40, 30]):
        await cache.remember(f"k{n}", "body", clock.now + expires)
    assert len(cache) == 3
    assert await cache.remember("k1", "other", clock.now + 300) is None  # k1 was dropped
    assert await cache.remember("k0", "other", clock.now + 300) == "body"


async def test_a_pair_is_kept_while_its_timestamp_is_inside_the_window() -> None:
    """A timestamp ahead of our clock stays valid longer than one behind it."""
    clock = WallClock()
    cache = MemoryReplayCache(clock=clock)
    ahead = str(int(clock.now) + 250)  # WeChat's clock 250 s fast: still accepted

    async def seen(body: bytes) -> Seen:
        return await check_replay(cache, ahead, "77", body, max_skew=300, clock=clock)

    assert await seen(b"<xml>genuine</xml>") is Seen.NEW
    clock.now += 500  # the timestamp is now 250 s behind: the window still accepts it
    with pytest.raises(ReplayRefused):
        await seen(b"<xml>forged</xml>")
    assert await seen(b"<xml>genuine</xml>") is Seen.REPEAT
    clock.now += 51  # 301 s behind: the window refuses it, the pair may go
    assert len(cache) == 1
    assert await cache.remember("other", "x", clock.now + 1) is None
    assert len(cache) == 1


def test_the_bound_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_entries"):
        MemoryReplayCache(max_entries=0)


# --- through the real gateway ---------------------------------------------------------


async def test_a_forged_unsubscribe_under_a_used_signature_erases_nothing(
    make_gateway: MakeGateway, rasa: TrackerRasa
) -> None:
    client = await make_gateway(safe=False)
    push = WeChatPush(client, safe=False)
    query, body = push.envelope(text_xml("你好", 1))
    assert (await push.post_raw(query, body)).status == 200
    forged = await push.post_raw(query, event_xml("unsubscribe"))
    assert forged.status == 403
    assert (await forged.json())["error"] == "wechat_replayed"
    someone_else = await push.post_raw(query, event_xml("unsubscribe", sender=openid(7)))
    assert someone_else.status == 403
    await asyncio.sleep(0.1)
    assert rasa.replaced == []


async def test_a_replayed_text_message_reaches_rasa_once(
    make_gateway: MakeGateway, rasa: TrackerRasa
) -> None:
    client = await make_gateway(safe=False)
    push = WeChatPush(client, safe=False)
    query, body = push.envelope(text_xml("我要申请援助", 1))
    first = await push.read(await push.post_raw(query, body))
    assert first.content == "收到：我要申请援助"
    # Another message in the person's name under the same signature is refused...
    other = await push.post_raw(query, text_xml("删除我的信息", 2))
    assert other.status == 403
    # ...and after the person unfollowed (their turns are forgotten), the very
    # same request again starts nothing: no conversation is recreated in Rasa.
    assert (await push.push(event_xml("unsubscribe"))).is_success
    await eventually(lambda: len(rasa.replaced) == 1)
    again = await push.post_raw(query, body)
    assert again.status == 200
    assert await again.read() == b"success"
    await asyncio.sleep(0.1)
    assert [r["message"] for r in rasa.received] == ["我要申请援助"]


async def test_the_same_request_again_shares_its_turn(
    make_gateway: MakeGateway, rasa: TrackerRasa
) -> None:
    client = await make_gateway()
    push = WeChatPush(client)
    query, body = push.envelope(text_xml("商标被抢注怎么办", 1))
    first = await push.read(await push.post_raw(query, body))
    again = await push.read(await push.post_raw(query, body))
    assert first.content == again.content == "收到：商标被抢注怎么办"
    assert [r["message"] for r in rasa.received] == ["商标被抢注怎么办"]
    assert {r["sender"] for r in rasa.received} == {f"wx:{OPENID}"}
