"""Header values that are not UTF-8 are wrong credentials, not a server error.

HTTP allows any octet from 0x80 up in a header value, and aiohttp passes such
bytes on undecodable. The search API must answer them in `Authorization` like
any unknown key (401, a Chinese message), the console like a wrong
`X-CSRF-Token` (403), and neither may log a traceback. aiohttp's client will
not send such bytes, so the requests are written on a raw socket.
"""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from tests.connectors.console.conftest import API_KEY, Console

KEY_MESSAGE = "API 密钥无效，请检查 Authorization 请求头。"


async def _raw_request(
    console: Console, request_line: bytes, *headers: bytes
) -> tuple[int, dict[str, str]]:
    """Send one request with `headers` exactly as given; the status and JSON answer."""
    server = console.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(
        request_line
        + b"\r\n"
        + f"Host: {server.host}:{server.port}\r\n".encode()
        + b"".join(header + b"\r\n" for header in headers)
        + b"Content-Length: 0\r\nConnection: close\r\n\r\n"
    )
    await writer.drain()
    raw = await asyncio.wait_for(reader.read(), timeout=5)
    writer.close()
    await writer.wait_closed()
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body.decode("utf-8"))


async def _raw_get(console: Console, authorization: bytes) -> tuple[int, dict[str, str]]:
    return await _raw_request(
        console,
        b"GET /api/v1/search?q=%E4%B8%93%E5%88%A9 HTTP/1.1",
        b"Authorization: " + authorization,
    )


def _no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize(
    "authorization",
    [
        b"Bearer \xe4\xf6\xfc\xff-not-utf8",  # Latin-1 umlauts
        b"Bearer " + API_KEY.encode() + b"\x80",  # the right key with one stray byte
        "Bearer 密钥".encode("gb18030"),  # a Chinese word in the wrong encoding
        b"\xff\xfe Bearer",
    ],
)
async def test_a_non_utf8_authorization_header_is_refused_with_401(
    console: Console, caplog: pytest.LogCaptureFixture, authorization: bytes
) -> None:
    caplog.set_level(logging.INFO)
    status, body = await _raw_get(console, authorization)
    assert status == 401
    assert body == {"error": "unauthorized", "message": KEY_MESSAGE}
    _no_traceback(caplog)
    assert console.searcher.calls == []


async def test_the_right_key_on_a_raw_socket_still_searches(console: Console) -> None:
    status, body = await _raw_get(console, b"Bearer " + API_KEY.encode())
    assert status == 200
    assert body["query"] == "专利"


async def test_a_non_utf8_csrf_token_is_refused_with_403(
    console: Console, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await console.signed_in()
    cookie = console.client.session.cookie_jar.filter_cookies(console.client.make_url("/"))
    name, morsel = next(iter(cookie.items()))
    status, body = await _raw_request(
        console,
        b"POST /console/api/logout HTTP/1.1",
        f"Cookie: {name}={morsel.value}".encode(),
        b"X-CSRF-Token: \xe4\xf6\xfc\xff",
    )
    assert status == 403
    assert body["error"] == "csrf_refused"
    _no_traceback(caplog)
    still = await console.client.get("/console/api/session")
    assert still.status == 200  # the forged sign-out ended nothing
