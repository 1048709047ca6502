"""A gateway with the widget, over real sockets, in front of the fake Rasa."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from connectors.app import init_app
from tests.connectors.conftest import FakeRasa, gateway_settings

Client = TestClient[web.Request, web.Application]
MakeGateway = Callable[..., Awaitable[Client]]

SITE = "https://www.zzipr.example"  # the centre's website, allowed to embed the widget


@pytest.fixture
def feedback_db(tmp_path: Path) -> Path:
    return tmp_path / "feedback" / "feedback.db"


@pytest.fixture
async def make_gateway(fake_rasa: FakeRasa, feedback_db: Path) -> AsyncIterator[MakeGateway]:
    """Start gateways with settings changed from the test defaults; all closed at the end."""
    clients: list[Client] = []

    async def make(**changes: Any) -> Client:
        values: dict[str, Any] = {
            "feedback_db_path": feedback_db,
            "widget_allowed_origins": (SITE,),
        }
        values.update(changes)
        client = TestClient(
            TestServer(init_app(gateway_settings(fake_rasa.url, **values)), host="127.0.0.1")
        )
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def widget(make_gateway: MakeGateway) -> Client:
    return await make_gateway()
