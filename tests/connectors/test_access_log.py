"""The access log names method, path, status, size and duration: never a query string.

WeChat signs every push in its query string (`signature`, `timestamp`,
`nonce`, `msg_signature`), and the console's search carries the question
there; a logged query string is a replayable credential or personal data.
The gateway is served the way `python -m connectors` serves it (a real
aiohttp runner with the gateway's access logger), and the process itself is
started once to prove it uses that logger.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

from connectors.access_log import PathOnlyAccessLogger
from connectors.app import init_app
from connectors.console.keys import SEARCHER
from connectors.console.lazy import Lazy
from connectors.console.searching import Searching
from tests.connectors.conftest import free_port, gateway_settings
from tests.connectors.console.conftest import FakeSearcher

ROOT = Path(__file__).resolve().parents[2]
KEY = "access-log-test-key-0123456789abcdef"
SECRETS = ("zhangsan-42", "SIGNATURE0badc0ffee", "NONCE987654321", "MSGSIG0123abcdef")
REQUESTS = [
    # the search question: plain, percent-encoded name (`%71` is `q`), and a second q
    ("GET", "/api/v1/search?q=zhangsan-42&k=3", "/api/v1/search"),
    ("GET", "/api/v1/search?%71=zhangsan-42&k=3", "/api/v1/search"),
    ("GET", "/api/v1/search?k=1&q=x&q=zhangsan-42", "/api/v1/search"),
    # a WeChat push as WeChat sends it (the channel is off here: 404, logged all the same)
    (
        "POST",
        "/wechat?signature=SIGNATURE0badc0ffee&timestamp=1800000000&nonce=NONCE987654321"
        "&openid=oTestOpenId0123456789abcdefg&encrypt_type=aes&msg_signature=MSGSIG0123abcdef",
        "/wechat",
    ),
    ("GET", "/health?token=SIGNATURE0badc0ffee", "/health"),
]


@pytest.fixture
async def served(absent_rasa_url: str) -> AsyncIterator[str]:
    """The gateway on a real runner with the production access logger; its base URL.

    Rasa is absent (only /health asks it) so that every access line is the gateway's.
    """
    app = init_app(gateway_settings(absent_rasa_url, console_api_keys=(KEY,)))
    app[SEARCHER] = Lazy[Searching].ready(FakeSearcher())
    runner = web.AppRunner(app, access_log_class=PathOnlyAccessLogger)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def _send_all(base: str) -> list[int]:
    statuses = []
    headers = {"Authorization": f"Bearer {KEY}"}
    async with aiohttp.ClientSession() as session:
        for method, target, _ in REQUESTS:
            url = base + target
            # encoded=True: the query goes out exactly as written (`%71` stays `%71`)
            async with session.request(method, URL(url, encoded=True), headers=headers) as response:
                await response.read()
                statuses.append(response.status)
    return statuses


async def test_access_lines_have_no_query_string(
    served: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    statuses = await _send_all(served)
    await asyncio.sleep(0.05)  # the line is written after the response
    records = [r for r in caplog.records if r.name == "aiohttp.access"]
    lines = [r.getMessage() for r in records]
    assert len(lines) == len(REQUESTS), lines
    for line, (method, _, path), status in zip(lines, REQUESTS, statuses, strict=True):
        words = line.split()
        assert words[:3] == [method, path, str(status)], line
        assert words[3].isdigit()  # bytes sent
        assert words[4].endswith("s") and float(words[4][:-1]) >= 0  # seconds taken
        assert "?" not in line
    everything = "\n".join(lines) + "\n".join(str(vars(r)) for r in records)
    for secret in SECRETS:
        assert secret not in everything


def _gateway_env(tmp_path: Path, port: int, rasa_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "GATEWAY_"))}
    env.update(
        GATEWAY_HOST="127.0.0.1",
        GATEWAY_PORT=str(port),
        RASA_URL=rasa_url,
        FEEDBACK_DB_PATH=str(tmp_path / "feedback.db"),
        CONSOLE_DB_PATH=str(tmp_path / "console.db"),
        PYTHONPATH=str(ROOT),
    )
    env.pop("CONSOLE_API_KEYS", None)
    return env


async def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    async with aiohttp.ClientSession() as session, asyncio.timeout(30):
        while True:
            assert process.poll() is None, "the gateway exited"
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)


async def test_python_m_connectors_logs_no_query_string(
    tmp_path: Path, absent_rasa_url: str
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "connectors"],
        cwd=ROOT,
        env=_gateway_env(tmp_path, port, absent_rasa_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        await _wait_until_up(base + "/health", process)
        await _send_all(base)
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=15)
    log = err.decode("utf-8", "replace")
    assert "GET /health 200 " in log
    assert "POST /wechat 404 " in log
    assert "GET /api/v1/search 401 " in log  # no key configured in this process
    for secret in SECRETS:
        assert secret not in log
