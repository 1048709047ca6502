"""A gateway with the console, over real sockets, with a fake engine and a clock we move.

The gateway is the real one (`init_app`) in front of the fake Rasa of
tests/connectors/conftest.py; before it starts, the tests swap in what
would be slow or outside the test's control: the knowledge engine (a fake
that returns fixed passages; the real one loads a model), the session
store's clock and the sign-in throttle's clock. Accounts are made with the
real store at a lower scrypt cost (`FAST`, a few ms instead of 50), so the
folder stays quick; test_sign_in.py checks the real cost on its own.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from connectors.app import init_app
from connectors.console.account_store import AccountStore
from connectors.console.db import ConsoleDatabase
from connectors.console.keys import ACCOUNTS, SEARCHER, SESSIONS, THROTTLE
from connectors.console.lazy import Lazy
from connectors.console.passwords import ScryptParams
from connectors.console.searching import Searching
from connectors.console.session_store import SessionStore
from connectors.console.throttle import SignInThrottle
from knowledge.passages import Passage
from knowledge.searcher import SearchHit, SearchResponse
from tests.connectors.conftest import FakeRasa, gateway_settings

Client = TestClient[web.Request, web.Application]

API_KEY = "hotline-system-key-0123456789abcdef"  # 35 characters
AGENT = "zhang.wei"
PASSWORD = "正确的密码 correct-1"
XFF = {"X-Forwarded-For": "203.0.113.7"}  # the test client is loopback, a trusted proxy
FAST = ScryptParams(n=2**10)  # same code path as the default, 1/16 of the work


@dataclass
class Clock:
    """Seconds that pass only when a test says so."""

    now: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def passage(number: int, text: str, section: str = "四（二）3") -> Passage:
    return Passage(
        chunk_id=f"004#{number}",
        doc_id="004_333525c143d2d379",
        title="关于贯彻落实《关于强化知识产权保护的意见》的实施意见",
        doc_number="枣市监中心字〔2020〕42号",
        issuer="枣庄市知识产权维权援助中心",
        region="枣庄市",
        level="city",
        date="2020-06-01",
        section=section,
        headings=["四、工作措施"],
        heading_titles=["工作措施"],
        item_title="",
        text=text,
        part=1,
        parts=1,
    )


PASSAGES = [
    passage(1, "对经济确有困难的专利权人，可以申请维权援助资金，用于支付专利侵权诉讼费用。"),
    passage(2, "受理知识产权维权援助案件，提供侵权判定咨询意见。", section="四（二）5"),
]


@dataclass
class FakeSearcher:
    """Answers every question with PASSAGES; records what it was asked and on which thread."""

    calls: list[tuple[str, int]] = field(default_factory=list)
    threads: set[int] = field(default_factory=set)
    answerable: bool = True

    def search(self, query: str, k: int = 5) -> SearchResponse:
        self.calls.append((query, k))
        self.threads.add(threading.get_ident())
        hits = [
            SearchHit(p, score=0.9 - 0.2 * i, dense_score=None, bm25_score=None)
            for i, p in enumerate(PASSAGES[:k])
        ]
        return SearchResponse(
            query=query,
            answerable=self.answerable,
            results=hits,
            reason=None if self.answerable else "low_confidence",
            confidence=0.8,
            terms=["专利", "援助"],
        )


@dataclass
class Console:
    """One running gateway and what the tests reach into."""

    client: Client
    app: web.Application
    clock: Clock  # sessions (wall clock)
    throttle_clock: Clock  # failed sign-ins (wall clock, shared through the database)
    searcher: FakeSearcher
    db_path: Path

    async def sign_in(self, name: str = AGENT, password: str = PASSWORD, **headers: str) -> Any:
        return await self.client.post(
            "/console/api/login", json={"name": name, "password": password}, headers=headers
        )

    async def signed_in(self) -> str:
        """Sign in as AGENT; the CSRF token."""
        response = await self.sign_in()
        assert response.status == 200, await response.text()
        return str((await response.json())["csrf_token"])


MakeConsole = Callable[..., Awaitable[Console]]


@pytest.fixture
def console_db(tmp_path: Path) -> Path:
    return tmp_path / "console" / "console.db"


@pytest.fixture
def accounts(console_db: Path) -> AccountStore:
    store = AccountStore(ConsoleDatabase(console_db), params=FAST)
    store.add(AGENT, PASSWORD)
    return store


@pytest.fixture
async def make_console(
    fake_rasa: FakeRasa, tmp_path: Path, console_db: Path, accounts: AccountStore
) -> AsyncIterator[MakeConsole]:
    """Start gateways with settings changed from the test defaults; all closed at the end."""
    clients: list[Client] = []

    async def make(
        searcher: Lazy[Searching] | None = None,
        prepare: Callable[[web.Application], None] | None = None,
        real_cost: bool = False,
        **changes: Any,
    ) -> Console:
        values: dict[str, Any] = {
            "feedback_db_path": tmp_path / "feedback" / "feedback.db",
            "console_db_path": console_db,
            "console_api_keys": (API_KEY,),
        }
        values.update(changes)
        app = init_app(gateway_settings(fake_rasa.url, **values))
        clock, throttle_clock, fake = Clock(), Clock(), FakeSearcher()
        sessions = app[SESSIONS]
        app[SESSIONS] = SessionStore(
            sessions.db, sessions.idle_seconds, sessions.lifetime_seconds, clock=clock
        )
        app[THROTTLE] = SignInThrottle(clock=throttle_clock)
        if not real_cost:
            app[ACCOUNTS] = AccountStore(app[ACCOUNTS].db, params=FAST)
        app[SEARCHER] = searcher or Lazy[Searching].ready(fake)
        if prepare is not None:
            prepare(app)
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return Console(client, app, clock, throttle_clock, fake, console_db)

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def console(make_console: MakeConsole) -> Console:
    return await make_console()
