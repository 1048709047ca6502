"""Rate limits per client IP and per conversation: who the client is, and the 429."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.widget.errors import RateLimited
from connectors.widget.limits import RateLimits
from tests.connectors.conftest import FakeRasa
from tests.connectors.widget.conftest import SITE, Client, MakeGateway

LOOPBACK = ("127.0.0.1", "::1")


@pytest.mark.parametrize(
    ("peer", "forwarded", "key"),
    [
        ("203.0.113.7", [], "203.0.113.7"),
        # An untrusted peer's X-Forwarded-For is its own word: ignored.
        ("203.0.113.7", ["198.51.100.1"], "203.0.113.7"),
        ("127.0.0.1", ["198.51.100.1"], "198.51.100.1"),
        # The client may write anything on the left; the proxy's entry is the last one.
        ("127.0.0.1", ["1.2.3.4, 198.51.100.1"], "198.51.100.1"),
        ("127.0.0.1", ["1.2.3.4", "198.51.100.1, 127.0.0.1"], "198.51.100.1"),
        ("127.0.0.1", ["not-an-ip"], "not-an-ip"),
        ("127.0.0.1", [], None),  # a process on this machine: the console, a test
        ("::1", ["127.0.0.1"], None),
        (None, [], None),
        ("2001:db8:1:2:aaaa::1", [], "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", [], "2001:db8:1:2::/64"),  # same subscriber
        ("::ffff:203.0.113.7", [], "203.0.113.7"),
    ],
)
def test_client_key(peer: str | None, forwarded: list[str], key: str | None) -> None:
    assert RateLimits(30, 20, LOOPBACK).client_key(peer, forwarded) == key


def test_trusted_proxies_may_be_networks_and_none_trusts_nobody() -> None:
    limits = RateLimits(30, 20, ["10.0.0.0/8"])
    assert limits.client_key("10.1.2.3", ["198.51.100.1, 10.9.9.9"]) == "198.51.100.1"
    assert RateLimits(30, 20, []).client_key("127.0.0.1", ["198.51.100.1"]) == "127.0.0.1"


def test_zero_turns_a_limit_off() -> None:
    limits = RateLimits(0, 0)
    for _ in range(100):
        limits.check_ip("203.0.113.7")
        limits.check_session("key")


def test_refusal_says_when_to_come_back() -> None:
    limits = RateLimits(1, 1)
    limits.check_ip("203.0.113.7")
    with pytest.raises(RateLimited) as refused:
        limits.check_ip("203.0.113.7")
    assert refused.value.retry_after == 60
    assert refused.value.message == "发送太频繁了，请 60 秒后再试。"


async def post_chat(client: Client, ip: str, **body: Any) -> Any:
    return await client.post(
        "/api/v1/chat", json={"text": "你好", **body}, headers={"X-Forwarded-For": ip}
    )


async def test_one_ip_is_limited_and_told_when_to_retry(
    make_gateway: MakeGateway, fake_rasa: FakeRasa
) -> None:
    gateway = await make_gateway(rate_limit_ip_per_minute=3, rate_limit_session_per_minute=0)
    for _ in range(3):
        assert (await post_chat(gateway, "198.51.100.1")).status == 200
    response = await post_chat(gateway, "198.51.100.1")
    assert response.status == 429
    assert response.headers["Retry-After"] == "20"  # 3 a minute: one every 20 s
    assert await response.json() == {
        "error": "rate_limited",
        "message": "发送太频繁了，请 20 秒后再试。",
    }
    assert len(fake_rasa.received) == 3  # the refused message never reached Rasa
    assert (await post_chat(gateway, "198.51.100.2")).status == 200  # another client


async def test_a_cross_origin_page_can_read_the_refusal(make_gateway: MakeGateway) -> None:
    gateway = await make_gateway(rate_limit_ip_per_minute=1)
    headers = {"X-Forwarded-For": "198.51.100.1", "Origin": SITE}
    await gateway.post("/api/v1/chat", json={"text": "你好"}, headers=headers)
    response = await gateway.post("/api/v1/chat", json={"text": "你好"}, headers=headers)
    assert response.status == 429
    assert response.headers["Access-Control-Allow-Origin"] == SITE
    assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]


async def test_one_conversation_is_limited_across_addresses(
    make_gateway: MakeGateway, fake_rasa: FakeRasa
) -> None:
    gateway = await make_gateway(rate_limit_ip_per_minute=0, rate_limit_session_per_minute=2)
    first = await post_chat(gateway, "198.51.100.1")  # before it has an id: not counted
    session_id = (await first.json())["session_id"]
    assert (await post_chat(gateway, "198.51.100.2", session_id=session_id)).status == 200
    assert (await post_chat(gateway, "198.51.100.3", session_id=session_id)).status == 200
    response = await post_chat(gateway, "198.51.100.4", session_id=session_id)
    assert response.status == 429
    assert response.headers["Retry-After"] == "30"
    # A fresh conversation has its own bucket (the IP limit is what bounds those).
    assert (await post_chat(gateway, "198.51.100.3")).status == 200
    # A made-up session id cannot drain someone else's bucket or escape the limit.
    assert (await post_chat(gateway, "198.51.100.3", session_id="forged.id")).status == 200


async def test_feedback_counts_against_the_same_limits(make_gateway: MakeGateway) -> None:
    gateway = await make_gateway(rate_limit_ip_per_minute=2)
    headers = {"X-Forwarded-For": "198.51.100.1"}
    body = {"session_id": "x", "rating": "up", "question": "问", "answer": "答"}
    assert (await gateway.post("/api/v1/feedback", json=body, headers=headers)).status == 400
    assert (
        await gateway.post("/api/v1/chat", json={"text": "你好"}, headers=headers)
    ).status == 200
    response = await gateway.post("/api/v1/feedback", json=body, headers=headers)
    assert response.status == 429


async def test_local_processes_have_no_ip_limit(make_gateway: MakeGateway) -> None:
    gateway = await make_gateway(rate_limit_ip_per_minute=1)
    for _ in range(3):  # no X-Forwarded-For from loopback: the console, chat_cli, a test
        assert (await gateway.post("/api/v1/chat", json={"text": "你好"})).status == 200


async def test_without_trusted_proxies_loopback_is_a_client_like_any(
    make_gateway: MakeGateway,
) -> None:
    gateway = await make_gateway(rate_limit_ip_per_minute=1, trusted_proxies=())
    assert (await gateway.post("/api/v1/chat", json={"text": "你好"})).status == 200
    assert (await gateway.post("/api/v1/chat", json={"text": "你好"})).status == 429


async def test_other_routes_are_not_limited(make_gateway: MakeGateway) -> None:
    gateway = await make_gateway(rate_limit_ip_per_minute=1, trusted_proxies=())
    for _ in range(3):
        assert (await gateway.get("/widget.js")).status == 200
        assert (await gateway.get("/health")).status == 200
