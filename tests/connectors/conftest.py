"""A fake Rasa server on loopback, and a gateway wired to it.

The fake speaks the two routes the gateway uses (GET / and the REST webhook)
and can misbehave on demand, so the gateway is tested over real sockets
against every way Rasa fails: down, slow, HTTP 500, not JSON, not a list.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from connectors.app import init_app
from connectors.settings import GatewaySettings

Reply = Callable[[str, str], list[dict[str, Any]]]


def echo(sender: str, text: str) -> list[dict[str, Any]]:
    return [{"recipient_id": sender, "text": f"收到：{text}"}]


@dataclass
class FakeRasa:
    """Rasa as the gateway sees it; `mode` picks how the webhook behaves."""

    mode: str = "ok"  # ok | slow | error | not_json | not_list
    reply: Reply = echo
    delay: float = 0.0  # seconds each "ok" answer takes
    received: list[dict[str, Any]] = field(default_factory=list)
    in_flight: dict[str, int] = field(default_factory=dict)
    max_in_flight: int = 0
    release: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""

    def add_routes(self, app: web.Application) -> None:
        """The routes of Rasa this fake speaks (subclasses add theirs)."""
        app.router.add_get("/", self.hello)
        app.router.add_post("/webhooks/rest/webhook", self.webhook)

    async def hello(self, request: web.Request) -> web.Response:
        if self.mode == "error":
            return web.Response(status=500, text="boom")
        return web.Response(text="Hello from Rasa: 3.6.21")

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(body)
        sender = body["sender"]
        self.in_flight[sender] = self.in_flight.get(sender, 0) + 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight[sender])
        try:
            if self.mode == "slow":  # far beyond the read timeout; released at teardown
                await asyncio.wait_for(self.release.wait(), timeout=10)
            if self.delay:
                await asyncio.sleep(self.delay)
        finally:
            self.in_flight[sender] -= 1
        if self.mode == "error":
            return web.Response(status=500, text='{"status": "failure"}')
        if self.mode == "not_json":
            return web.Response(text="<html>gateway error</html>", content_type="text/html")
        if self.mode == "not_list":
            return web.json_response({"text": "not a list"})
        return web.json_response(self.reply(sender, body["message"]))


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


FakeT = TypeVar("FakeT", bound=FakeRasa)


@asynccontextmanager
async def serving(fake: FakeT) -> AsyncIterator[FakeT]:
    """`fake` listening on a loopback port (its `url` set) until the block ends."""
    app = web.Application()
    fake.add_routes(app)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    try:
        yield fake
    finally:
        fake.release.set()  # a request held by "slow" mode ends before the server closes
        await server.close()


@pytest.fixture
async def fake_rasa() -> AsyncIterator[FakeRasa]:
    async with serving(FakeRasa()) as fake:
        yield fake


@pytest.fixture
def absent_rasa_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


# The test's own folder for the gateway's SQLite files (set for every test by
# `gateway_data_dir`), so no test writes into the checkout's data/ or sees
# another test's rows.
DATA_DIR = Path("data")


@pytest.fixture(autouse=True)
def gateway_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(sys.modules[__name__], "DATA_DIR", tmp_path / "gateway-data")
    return tmp_path / "gateway-data"


def gateway_settings(rasa_url: str, **changes: Any) -> GatewaySettings:
    """Settings for a test gateway: short timeouts, a fixed secret, files in the test's folder."""
    base = GatewaySettings(
        rasa_url=rasa_url,
        rasa_connect_timeout=0.5,
        rasa_read_timeout=0.5,
        secret=b"s" * 32,
        secret_is_ephemeral=False,
        feedback_db_path=DATA_DIR / "feedback.db",
        console_db_path=DATA_DIR / "console.db",
    )
    return replace(base, **changes)


@pytest.fixture
async def gateway(fake_rasa: FakeRasa) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    client = TestClient(TestServer(init_app(gateway_settings(fake_rasa.url)), host="127.0.0.1"))
    await client.start_server()
    yield client
    await client.close()
