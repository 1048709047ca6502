"""CORS on the chat and feedback APIs: exact origins, Vary always, null refused, preflight."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.widget.cors import CorsPolicy
from tests.connectors.conftest import FakeRasa
from tests.connectors.widget.conftest import SITE, Client


def origin_of(client: Client) -> str:
    return str(client.make_url("")).rstrip("/")


async def chat_from(client: Client, origin: str | None, **kwargs: Any) -> Any:
    headers = {"Origin": origin} if origin is not None else {}
    if "data" not in kwargs:
        kwargs.setdefault("json", {"text": "你好"})
    return await client.post("/api/v1/chat", headers=headers, **kwargs)


async def test_an_allowed_origin_is_echoed_exactly(widget: Client) -> None:
    response = await chat_from(widget, SITE)
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == SITE
    assert response.headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        SITE + "/",  # not how a browser writes an origin
        SITE + ":8443",
        SITE.replace("https", "http"),
        "https://zzipr.example",  # the parent domain
        "https://www.zzipr.example.evil.example",
        "null",  # sandboxed frames and file:// pages
        "*",
        "",
    ],
)
async def test_every_other_origin_is_refused_before_rasa(
    widget: Client, fake_rasa: FakeRasa, origin: str
) -> None:
    response = await chat_from(widget, origin)
    assert response.status == 403
    assert await response.json() == {
        "error": "origin_not_allowed",
        "message": "此网站未获授权使用在线咨询。",
    }
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.headers["Vary"] == "Origin"
    assert fake_rasa.received == []


async def test_the_gateways_own_pages_may_call(widget: Client) -> None:
    response = await chat_from(widget, origin_of(widget))
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == origin_of(widget)


async def test_no_origin_is_not_a_browser_page_and_passes(widget: Client) -> None:
    response = await chat_from(widget, None)
    assert response.status == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.headers["Vary"] == "Origin"  # always, so caches keep answers apart


async def test_refusals_carry_the_cors_headers_too(widget: Client) -> None:
    response = await chat_from(widget, SITE, json={"text": ""})
    assert response.status == 400
    assert response.headers["Access-Control-Allow-Origin"] == SITE
    assert response.headers["Vary"] == "Origin"
    response = await chat_from(widget, SITE, data=b'{"text": "' + b"a" * 70_000 + b'"}')
    assert response.status == 413
    assert response.headers["Access-Control-Allow-Origin"] == SITE


async def test_other_paths_have_no_cors(widget: Client) -> None:
    response = await widget.get("/health", headers={"Origin": SITE})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Origin" not in response.headers.get("Vary", "")


def preflight_headers(
    origin: str | None, method: str = "POST", asked: str = "content-type"
) -> dict[str, str]:
    headers = {"Access-Control-Request-Method": method}
    if asked:
        headers["Access-Control-Request-Headers"] = asked
    if origin is not None:
        headers["Origin"] = origin
    return headers


@pytest.mark.parametrize("path", ["/api/v1/chat", "/api/v1/feedback"])
async def test_preflight_from_an_allowed_origin(widget: Client, path: str) -> None:
    response = await widget.options(path, headers=preflight_headers(SITE))
    assert response.status == 204
    headers = response.headers
    assert headers["Access-Control-Allow-Origin"] == SITE
    assert headers["Access-Control-Allow-Methods"] == "POST"
    assert headers["Access-Control-Allow-Headers"] == "Content-Type"
    assert headers["Access-Control-Max-Age"] == "600"
    vary = {v.strip() for v in headers["Vary"].split(",")}
    assert vary == {"Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"}


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        (preflight_headers("https://evil.example"), "origin_not_allowed"),
        (preflight_headers("null"), "origin_not_allowed"),
        (preflight_headers(None), "origin_not_allowed"),
        (preflight_headers(SITE, method="DELETE"), "preflight_refused"),
        (preflight_headers(SITE, asked="content-type, authorization"), "preflight_refused"),
    ],
)
async def test_preflight_refusals(widget: Client, headers: dict[str, str], code: str) -> None:
    response = await widget.options("/api/v1/chat", headers=headers)
    assert response.status == 403
    assert (await response.json())["error"] == code
    assert "Access-Control-Allow-Methods" not in response.headers
    assert "Origin" in response.headers["Vary"]
    if code == "origin_not_allowed":
        assert "Access-Control-Allow-Origin" not in response.headers


async def test_preflight_without_requested_headers_is_fine(widget: Client) -> None:
    response = await widget.options("/api/v1/chat", headers=preflight_headers(SITE, asked=""))
    assert response.status == 204


def test_policy_compares_the_own_host_by_host_and_port() -> None:
    policy = CorsPolicy([SITE])
    assert policy.allows("https://gw.example", "gw.example")
    assert policy.allows("http://gw.example:8080", "GW.example:8080")  # TLS ended at a proxy
    assert not policy.allows("https://gw.example:8443", "gw.example")
    assert not policy.allows("null", "gw.example")
    assert not policy.allows("https://gw.example", None)
