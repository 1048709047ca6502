"""Case numbers: the documented shape, but nothing to count or guess from.

Anyone who may look a case up must not learn from one number where the
neighbours are; and a number, once issued, is never issued again — not even
after its case was purged. Both the built-in store and the reference case
system (which issues the numbers through the same store) are checked, on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web

from cases.http_backend import HttpCaseBackend
from cases.model import CaseStatus
from cases.server.app import make_app
from cases.settings import CaseSettings
from cases.sql import SqlCaseBackend
from tests.cases.factories import application

SHAPE = re.compile(r"WQ-(?P<year>[0-9]{4})-(?P<serial>[0-9]{6})")
TOKEN = "numbers-token-0123456789"


def serial(number: str) -> int:
    match = SHAPE.fullmatch(number)
    assert match, number
    return int(match["serial"])


def draws(*values: int) -> Iterator[int]:
    """A scripted random source; running dry is a test failure, not a hang."""
    yield from values
    raise AssertionError("the store drew more numbers than the test scripted")


def is_a_run(serials: list[int]) -> bool:
    ordered = sorted(serials)
    return ordered == list(range(ordered[0], ordered[0] + len(ordered)))


def test_numbers_keep_the_shape_but_do_not_count_up(sql_backend: SqlCaseBackend) -> None:
    numbers = [sql_backend.create_now(application(), f"key-{i}").case_number for i in range(30)]
    year = datetime.now(UTC).year
    assert all(SHAPE.fullmatch(n) and n.startswith(f"WQ-{year}-") for n in numbers)
    assert len(set(numbers)) == 30
    serials = [serial(n) for n in numbers]
    # Sequential numbers would be 1..30 (or any run): one number would betray the others.
    assert not is_a_run(serials)
    assert serials != sorted(serials)


def test_a_number_already_taken_is_drawn_again(case_settings: CaseSettings) -> None:
    source = draws(4217, 4217, 98)
    store = SqlCaseBackend.open(case_settings, serials=lambda: next(source))
    try:
        first = store.create_now(application(), "a")
        second = store.create_now(application(), "b")
        year = datetime.now(UTC).year
        assert (first.case_number, second.case_number) == (
            f"WQ-{year}-004217",
            f"WQ-{year}-000098",
        )
        assert store.count() == 2
    finally:
        store.engine.dispose()


def test_a_purged_number_is_never_issued_again(case_settings: CaseSettings) -> None:
    source = draws(777, 777, 31)
    store = SqlCaseBackend.open(case_settings, serials=lambda: next(source))
    try:
        gone = store.create_now(application(), "old").case_number
        store.update_status_now(gone, CaseStatus.WITHDRAWN)
        tomorrow = datetime.now(UTC) + timedelta(days=1)
        assert store.purge(tomorrow, "tester") == [gone]
        fresh = store.create_now(application(), "new").case_number
        # Same year, so 777 would be the very same number: its tombstone keeps it taken.
        assert fresh[:8] == gone[:8]
        assert serial(gone) == 777 and serial(fresh) == 31
    finally:
        store.engine.dispose()


def test_the_year_is_the_beijing_year(case_settings: CaseSettings) -> None:
    moments = iter(
        [datetime(2026, 12, 31, 15, 59, tzinfo=UTC), datetime(2026, 12, 31, 16, 1, tzinfo=UTC)]
    )
    store = SqlCaseBackend.open(case_settings)
    try:
        store._clock = lambda: next(moments)
        first = store.create_now(application(), "a").case_number
        second = store.create_now(application(), "b").case_number
    finally:
        store.engine.dispose()
    # 16:01 UTC on 31 December is already 1 January in Beijing.
    assert (first[:8], second[:8]) == ("WQ-2026-", "WQ-2027-")


@pytest.fixture
async def case_system(sql_backend: SqlCaseBackend) -> AsyncIterator[HttpCaseBackend]:
    runner = web.AppRunner(make_app(sql_backend, TOKEN), shutdown_timeout=0.2)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    client = HttpCaseBackend(f"http://127.0.0.1:{runner.addresses[0][1]}", TOKEN, budget=5.0)
    try:
        yield client
    finally:
        await client.close()
        await runner.cleanup()


async def test_the_reference_case_system_issues_unguessable_numbers(
    case_system: HttpCaseBackend,
) -> None:
    records = [
        await case_system.create(application(), idempotency_key=f"http-{i}") for i in range(12)
    ]
    numbers = [record.case_number for record in records]
    assert len(set(numbers)) == 12 and all(SHAPE.fullmatch(n) for n in numbers)
    assert not is_a_run([serial(n) for n in numbers])
    # The documented contract still holds: the same key answers the same number.
    again = await case_system.create(application(), idempotency_key="http-0")
    assert again.case_number == numbers[0]
