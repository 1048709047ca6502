"""HttpCaseBackend on its own: the backoff schedule with fake time, and the reading of
answers a real case system might give but the reference server never does
(malformed bodies, refused tokens, wrong URLs), from a stub server on loopback.

The retry and exactly-once behaviour against the reference server is in
test_case_server.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from aiohttp import web

from cases.backend import CaseBackend
from cases.errors import BackendUnavailable, ConfigurationError, InvalidApplication
from cases.http_backend import (
    HttpCaseBackend,
    RetryPolicy,
    Transient,
    parse_retry_after,
    with_retries,
)
from cases.settings import CaseSettings
from tests.cases.factories import application

FAST = RetryPolicy(base=0.02, cap=0.1, max_retry_after=1.0, min_attempt=0.05)


class FixedRandom(random.Random):
    """`uniform(a, b)` always lands at the same fraction of the way from a to b."""

    def __init__(self, fraction: float) -> None:
        super().__init__(0)
        self.fraction = fraction

    def random(self) -> float:
        return self.fraction


@dataclass
class FakeTime:
    """A clock that only moves when something sleeps or works."""

    now: float = 1000.0
    pauses: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.pauses.append(seconds)
        self.now += seconds


# -- the backoff schedule --------------------------------------------------------


def test_backoff_ceiling_doubles_up_to_the_cap() -> None:
    policy = RetryPolicy(base=0.25, cap=2.0)
    assert [policy.ceiling(n) for n in range(1, 7)] == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]


def test_full_jitter_spans_zero_to_the_ceiling() -> None:
    policy = RetryPolicy(base=0.25, cap=2.0, min_attempt=0.1)
    top, bottom = FixedRandom(1.0), FixedRandom(0.0)
    assert [policy.pause(n, 100.0, None, top) for n in (1, 2, 3, 4, 9)] == [
        0.25,
        0.5,
        1.0,
        2.0,
        2.0,
    ]
    assert policy.pause(5, 100.0, None, bottom) == 0.0
    seeded = random.Random(7)
    for attempt in range(1, 20):
        pause = policy.pause(attempt, 100.0, None, seeded)
        assert pause is not None
        assert 0.0 <= pause <= policy.ceiling(attempt)


def test_a_pause_never_eats_the_time_of_the_next_attempt() -> None:
    policy = RetryPolicy(base=1.0, cap=4.0, max_retry_after=10.0, min_attempt=0.2)
    top = FixedRandom(1.0)
    assert policy.pause(3, 1.0, None, top) == pytest.approx(0.8)  # 4 s wanted, 0.8 s fit
    assert policy.pause(1, 0.1, None, top) is None  # not even an attempt fits
    # Retry-After is the server's word: shortened it would be wasted, so give up.
    assert policy.pause(1, 1.0, 0.5, top) == 0.5
    assert policy.pause(1, 1.0, 0.9, top) is None
    # ... and an absurd one is capped.
    assert policy.pause(1, 60.0, 3600.0, top) == 10.0


async def test_retries_stay_inside_the_budget() -> None:
    fake = FakeTime()
    given: list[float] = []
    start = fake.now

    async def always_503(seconds: float) -> None:
        given.append(seconds)
        fake.now += min(seconds, 0.3)  # each attempt takes 0.3 s to fail
        raise Transient("HTTP 503")

    policy = RetryPolicy(base=0.25, cap=1.0, min_attempt=0.2)
    with pytest.raises(BackendUnavailable) as caught:
        await with_retries(
            always_503,
            what="create",
            budget=5.0,
            policy=policy,
            rng=FixedRandom(1.0),
            sleep=fake.sleep,
            clock=fake.clock,
        )
    assert fake.now - start <= 5.0
    assert given[0] == 5.0
    assert all(seconds >= policy.min_attempt - 1e-9 for seconds in given)
    assert all(pause <= policy.cap for pause in fake.pauses)
    assert len(given) == len(fake.pauses) + 1
    assert f"after {len(given)} attempt(s)" in str(caught.value)
    assert "HTTP 503" in str(caught.value)


async def test_retries_until_an_answer_and_not_past_other_errors() -> None:
    fake = FakeTime()
    calls = 0

    async def third_time_lucky(seconds: float) -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise Transient("timeout")
        return "answer"

    result = await with_retries(
        third_time_lucky,
        what="get",
        budget=5.0,
        policy=FAST,
        rng=random.Random(1),
        sleep=fake.sleep,
        clock=fake.clock,
    )
    assert (result, calls, len(fake.pauses)) == ("answer", 3, 2)

    async def broken(seconds: float) -> None:
        raise InvalidApplication(["phone: missing"])

    with pytest.raises(InvalidApplication):
        await with_retries(
            broken,
            what="create",
            budget=5.0,
            policy=FAST,
            rng=random.Random(1),
            sleep=fake.sleep,
            clock=fake.clock,
        )
    assert len(fake.pauses) == 2


def test_retry_after_parsing() -> None:
    now = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(" 0.5 ") == 0.5
    assert parse_retry_after("-3") == 0.0
    in_three = format_datetime(now + timedelta(seconds=3), usegmt=True)
    assert parse_retry_after(in_three, now=lambda: now) == pytest.approx(3.0)
    for unreadable in (None, "", "soon", "nan"):
        assert parse_retry_after(unreadable) is None


# -- construction -----------------------------------------------------------------


def test_from_settings_and_repr() -> None:
    settings = CaseSettings(
        backend="http",
        api_url="http://127.0.0.1:9",
        api_token="s3cret-token",
        connect_timeout=1.5,
        read_timeout=4.0,
        submit_budget=7.0,
    )
    backend: CaseBackend = HttpCaseBackend.from_settings(settings)  # mypy checks the protocol
    assert isinstance(backend, HttpCaseBackend)
    assert (backend._connect_timeout, backend._read_timeout, backend._budget) == (1.5, 4.0, 7.0)
    assert "s3cret" not in repr(backend)
    with pytest.raises(ConfigurationError):
        HttpCaseBackend.from_settings(replace(settings, api_token=None))


# -- a stub case system -------------------------------------------------------------


@dataclass
class Stub:
    """A case system that answers whatever the test tells it, and remembers what it got."""

    url: str = ""
    answers: list[Callable[[], web.Response]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    delay: float = 0.0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(
            (request.method, request.raw_path, dict(request.headers), await request.read())
        )
        await asyncio.sleep(self.delay)
        # The last answer repeats for ever.
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return answer()


@pytest.fixture
async def stub() -> AsyncIterator[Stub]:
    state = Stub()
    app = web.Application()
    app.router.add_route("*", "/api/v1/{tail:.*}", state.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    state.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield state
    finally:
        await runner.cleanup()


def client(url: str, **options: Any) -> HttpCaseBackend:
    settings: dict[str, Any] = {
        "connect_timeout": 0.5,
        "read_timeout": 0.5,
        "budget": 1.0,
        "policy": FAST,
        "rng": random.Random(3),
    }
    settings.update(options)
    return HttpCaseBackend(url, "test-token", **settings)


PERSONAL = ("13912345678", "王秀英")


def json_answer(status: int, body: Any) -> Callable[[], web.Response]:
    return lambda: web.json_response(body, status=status)


async def test_sends_token_key_and_the_application_as_json(stub: Stub) -> None:
    record_body = {"case_number": "WQ-2026-000001"}  # unreadable, but the request is what counts
    stub.answers = [json_answer(201, record_body)]
    backend = client(stub.url)
    with pytest.raises(BackendUnavailable):
        await backend.create(application(), idempotency_key="conv-1:submit")
    await backend.close()
    method, path, headers, body = stub.requests[0]
    assert (method, path) == ("POST", "/api/v1/cases")
    assert headers["Authorization"] == "Bearer test-token"
    assert headers["Idempotency-Key"] == "conv-1:submit"
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(body) == application().to_json()


async def test_case_numbers_cannot_leave_their_path(stub: Stub) -> None:
    stub.answers = [json_answer(404, {"error": "not_found", "message": "no case"})]
    backend = client(stub.url)
    assert await backend.get("../../health") is None
    await backend.close()
    assert stub.requests[0][1] == "/api/v1/cases/..%2F..%2Fhealth"


@pytest.mark.parametrize(
    "answer",
    [
        lambda: web.Response(status=201, body=b"<html>proxy</html>"),
        json_answer(201, ["not", "an", "object"]),
        json_answer(201, {"case_number": "WQ-2026-000001", "status": "bogus"}),
    ],
    ids=["not-json", "not-an-object", "bad-record"],
)
async def test_a_malformed_answer_is_unavailable_not_retried(
    stub: Stub, answer: Callable[[], web.Response]
) -> None:
    stub.answers = [answer]
    backend = client(stub.url)
    with pytest.raises(BackendUnavailable, match="malformed"):
        await backend.create(application(), idempotency_key="k-1")
    assert backend.attempts == 1
    await backend.close()


async def test_a_refused_token_is_logged_for_ops_and_not_retried(
    stub: Stub, caplog: pytest.LogCaptureFixture
) -> None:
    stub.answers = [json_answer(403, {"error": "forbidden", "message": "no"})]
    backend = client(stub.url)
    with (
        caplog.at_level(logging.WARNING, logger="cases.http_backend"),
        pytest.raises(BackendUnavailable, match="token refused"),
    ):
        await backend.create(application(), idempotency_key="k-1")
    assert backend.attempts == 1
    assert any(r.levelno == logging.ERROR and "token" in r.getMessage() for r in caplog.records)
    await backend.close()


async def test_a_wrong_url_is_not_a_missing_case(stub: Stub) -> None:
    # A 404 without the contract's body comes from no case system at all.
    stub.answers = [lambda: web.Response(status=404, text="404: Not Found")]
    backend = client(stub.url)
    with pytest.raises(BackendUnavailable, match="no such endpoint"):
        await backend.get("WQ-2026-000001")
    with pytest.raises(BackendUnavailable, match="no such endpoint"):
        await backend.create(application(), idempotency_key="k-1")
    assert backend.attempts == 2
    await backend.close()


async def test_400_problems_become_invalid_application(stub: Stub) -> None:
    problems = ["phone: not a normalised mainland mobile number"]
    stub.answers = [
        json_answer(400, {"error": "invalid_application", "message": "x", "problems": problems})
    ]
    backend = client(stub.url)
    with pytest.raises(InvalidApplication) as caught:
        await backend.create(application(), idempotency_key="k-1")
    assert caught.value.problems == problems
    assert backend.attempts == 1
    await backend.close()


async def test_5xx_until_the_budget_is_spent_logs_no_body(
    stub: Stub, caplog: pytest.LogCaptureFixture
) -> None:
    # The stub echoes personal data in its error body: it must reach no log line.
    stub.answers = [
        json_answer(500, {"error": "internal", "message": f"boom {PERSONAL[0]} {PERSONAL[1]}"})
    ]
    backend = client(stub.url, budget=0.6)
    started = time.monotonic()
    with (
        caplog.at_level(logging.DEBUG, logger="cases"),
        pytest.raises(BackendUnavailable) as caught,
    ):
        await backend.create(application(), idempotency_key="k-1")
    elapsed = time.monotonic() - started
    assert elapsed <= 0.6 + 0.25
    assert backend.attempts >= 3
    assert f"after {backend.attempts} attempt(s)" in str(caught.value)
    assert "HTTP 500" in str(caught.value)
    for text in (caplog.text, str(caught.value)):
        assert not any(value in text for value in PERSONAL)
    await backend.close()


async def test_a_closed_port_is_unavailable_within_the_budget() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port any more: every connection is refused at once.
    backend = client(f"http://127.0.0.1:{port}", budget=0.8)
    started = time.monotonic()
    with pytest.raises(BackendUnavailable) as caught:
        await backend.get("WQ-2026-000001")
    elapsed = time.monotonic() - started
    assert elapsed <= 0.8 + 0.25
    assert backend.attempts >= 2
    assert "ClientConnectorError" in str(caught.value)
    await backend.close()


async def test_a_bad_url_raises_no_aiohttp_error() -> None:
    backend = client("ftp://nowhere.invalid")
    with pytest.raises(BackendUnavailable):
        await backend.get("WQ-2026-000001")
    assert backend.attempts == 1
    await backend.close()


async def test_a_slow_answer_times_out_inside_the_budget(stub: Stub) -> None:
    stub.answers, stub.delay = [json_answer(200, {})], 5.0
    backend = client(stub.url, read_timeout=10.0, budget=0.5)
    started = time.monotonic()
    with pytest.raises(BackendUnavailable):
        await backend.get("WQ-2026-000001")
    # The read timeout (10 s) is cut to the budget.
    assert time.monotonic() - started <= 0.5 + 0.25
    await backend.close()


async def test_close_is_idempotent_and_a_closed_client_reopens(stub: Stub) -> None:
    stub.answers = [json_answer(404, {"error": "not_found", "message": "no case"})]
    backend = client(stub.url)
    await backend.close()  # never opened
    assert await backend.get("WQ-2026-000001") is None
    await backend.close()
    await backend.close()
    assert await backend.get("WQ-2026-000001") is None
    await backend.close()
