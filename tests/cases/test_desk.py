"""The case desk: exactly one case per confirmed application, nothing lost."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cases.backend import CaseBackend
from cases.crypto import FieldCipher, new_key
from cases.desk import CaseDesk, Conflict, Limited, Queued, Rejected, Submitted
from cases.errors import BackendUnavailable, InvalidApplication
from cases.model import CaseApplication, CaseRecord, CaseStatus
from cases.outbox import Outbox, OutboxState, retry_delay
from cases.sql import SqlCaseBackend
from tests.cases.factories import application


class Switchable:
    """A real backend behind a switch: down raises, slow sleeps, counts calls."""

    def __init__(self, inner: CaseBackend) -> None:
        self.inner = inner
        self.down = False
        self.delay = 0.0
        self.calls = 0

    async def create(self, application: CaseApplication, *, idempotency_key: str) -> CaseRecord:
        self.calls += 1
        if self.down:
            raise BackendUnavailable("switched off")
        if self.delay:
            await asyncio.sleep(self.delay)
        return await self.inner.create(application, idempotency_key=idempotency_key)

    async def get(self, case_number: str) -> CaseRecord | None:
        return await self.inner.get(case_number)

    async def update_status(
        self, case_number: str, status: CaseStatus, *, note: str = "", actor: str = "system"
    ) -> CaseRecord:
        return await self.inner.update_status(case_number, status, note=note, actor=actor)

    async def close(self) -> None:
        await self.inner.close()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def outbox(tmp_path: Path, clock: Clock) -> Outbox:
    return Outbox(tmp_path / "outbox.db", FieldCipher([new_key()]), clock=clock)


@pytest.fixture
def backend(sql_backend: SqlCaseBackend) -> Switchable:
    return Switchable(sql_backend)


@pytest.fixture
def desk(backend: Switchable, outbox: Outbox) -> CaseDesk:
    return CaseDesk(backend, outbox, budget=2.0, max_per_sender=3)


async def test_a_confirmed_application_becomes_a_case(
    desk: CaseDesk, sql_backend: SqlCaseBackend
) -> None:
    outcome = await desk.submit(application(), key="k1", sender="conv-a")
    assert isinstance(outcome, Submitted)
    assert outcome.case_number.startswith("WQ-")
    assert sql_backend.count() == 1
    entry = desk.outbox.get("k1")
    assert entry is not None and entry.state is OutboxState.DELIVERED
    assert desk.outbox.application("k1") is None  # the payload is erased once delivered


async def test_rerunning_the_action_returns_the_same_case(
    desk: CaseDesk, sql_backend: SqlCaseBackend
) -> None:
    first = await desk.submit(application(), key="k1", sender="conv-a")
    again = await desk.submit(application(), key="k1", sender="conv-a")
    assert again == first and sql_backend.count() == 1


async def test_confirming_twice_as_two_messages_returns_the_same_case(
    desk: CaseDesk, sql_backend: SqlCaseBackend
) -> None:
    first = await desk.submit(application(), key="conv-a:msg-1", sender="conv-a")
    second = await desk.submit(application(), key="conv-a:msg-2", sender="conv-a")
    assert isinstance(first, Submitted) and second == first
    assert sql_backend.count() == 1


async def test_another_application_in_the_same_conversation_is_a_new_case(
    desk: CaseDesk, sql_backend: SqlCaseBackend
) -> None:
    first = await desk.submit(application(), key="m1", sender="conv-a")
    second = await desk.submit(
        application(ip_type="trademark", ip_number=None), key="m2", sender="conv-a"
    )
    assert isinstance(second, Submitted) and isinstance(first, Submitted)
    assert second.case_number != first.case_number and sql_backend.count() == 2


async def test_a_key_reused_for_another_application_is_a_conflict(
    desk: CaseDesk, backend: Switchable, sql_backend: SqlCaseBackend
) -> None:
    # The key reached the case system with one application (say, from another
    # action server) and now arrives with a different one.
    await sql_backend.create(application(description="最初的描述"), idempotency_key="stale")
    outcome = await desk.submit(application(), key="stale", sender="conv-a")
    assert outcome == Conflict()
    assert sql_backend.count() == 1
    entry = desk.outbox.get("stale")
    assert entry is not None and entry.state is OutboxState.CONFLICT
    # Confirming again gives a new key, and the case is made.
    assert isinstance(await desk.submit(application(), key="fresh", sender="conv-a"), Submitted)


async def test_backend_down_queues_then_the_relay_makes_exactly_one_case(
    desk: CaseDesk, backend: Switchable, sql_backend: SqlCaseBackend, clock: Clock
) -> None:
    backend.down = True
    outcome = await desk.submit(application(), key="k1", sender="conv-a")
    assert isinstance(outcome, Queued) and outcome.reference.startswith("LS-20261121-")
    assert sql_backend.count() == 0
    assert await desk.relay_once() == 0  # not due yet: the retry is scheduled
    clock.now += retry_delay(1)
    assert await desk.relay_once() == 0  # due, but still down
    backend.down = False
    clock.now += retry_delay(2)
    assert await desk.relay_once() == 1
    assert await desk.relay_once() == 0
    assert sql_backend.count() == 1
    news = await desk.news_for("conv-a")
    assert [entry.reference for entry in news] == [outcome.reference]
    assert news[0].case_number is not None
    await desk.mark_told(news[0])
    assert await desk.news_for("conv-a") == []


async def test_a_slow_backend_is_given_up_on_within_the_budget(
    desk: CaseDesk, backend: Switchable, sql_backend: SqlCaseBackend, clock: Clock
) -> None:
    backend.delay = 5.0  # longer than the desk's 2 s budget
    started = asyncio.get_running_loop().time()
    outcome = await desk.submit(application(), key="k1", sender="conv-a")
    assert isinstance(outcome, Queued)
    assert asyncio.get_running_loop().time() - started < 3.0
    backend.delay = 0.0
    clock.now += timedelta(hours=1)
    assert await desk.relay_once() == 1
    assert sql_backend.count() == 1


async def test_resending_while_queued_does_not_duplicate(
    desk: CaseDesk, backend: Switchable, sql_backend: SqlCaseBackend
) -> None:
    backend.down = True
    first = await desk.submit(application(), key="m1", sender="conv-a")
    second = await desk.submit(application(), key="m2", sender="conv-a")
    assert isinstance(first, Queued) and second == first
    backend.down = False
    third = await desk.submit(application(), key="m3", sender="conv-a")
    assert isinstance(third, Submitted) and third.reference == first.reference
    assert sql_backend.count() == 1


async def test_an_outbox_survives_a_restart(
    tmp_path: Path, backend: Switchable, sql_backend: SqlCaseBackend, clock: Clock
) -> None:
    cipher = FieldCipher([new_key()])
    backend.down = True
    before = CaseDesk(backend, Outbox(tmp_path / "o.db", cipher, clock=clock), budget=1.0)
    queued = await before.submit(application(), key="k1", sender="conv-a")
    before.outbox.close()
    # A new process: a new Outbox over the same file.
    backend.down = False
    after = CaseDesk(backend, Outbox(tmp_path / "o.db", cipher, clock=clock), budget=1.0)
    clock.now += timedelta(hours=1)
    assert await after.relay_once() == 1
    again = await after.submit(application(), key="k9", sender="conv-a")
    assert isinstance(queued, Queued) and isinstance(again, Submitted)
    assert again.reference == queued.reference and sql_backend.count() == 1


async def test_queued_applications_are_encrypted_in_the_outbox(
    desk: CaseDesk, backend: Switchable
) -> None:
    backend.down = True
    await desk.submit(application(), key="k1", sender="conv-a")
    raw = desk.outbox.path.read_bytes()
    assert application().phone.encode() not in raw
    assert application().contact_name.encode() not in raw


async def test_a_burst_of_100_submissions_makes_at_most_three_cases(
    desk: CaseDesk, sql_backend: SqlCaseBackend
) -> None:
    outcomes = await asyncio.gather(
        *(
            desk.submit(
                application(description=f"第{i}次提交的情况说明"), key=f"m{i}", sender="flood"
            )
            for i in range(100)
        )
    )
    made = [o for o in outcomes if isinstance(o, Submitted)]
    assert len(made) == 3
    assert sum(isinstance(o, Limited) for o in outcomes) == 97
    assert sql_backend.count() == 3


async def test_the_limit_follows_the_phone_number_across_conversations(
    desk: CaseDesk, sql_backend: SqlCaseBackend
) -> None:
    for i in range(3):
        await desk.submit(application(description=f"情况{i}"), key=f"k{i}", sender=f"conv-{i}")
    outcome = await desk.submit(application(description="情况9"), key="k9", sender="conv-9")
    assert outcome == Limited(3)
    other_phone = await desk.submit(
        application(description="情况9", phone="13612345678"), key="k10", sender="conv-10"
    )
    assert isinstance(other_phone, Submitted)


async def test_the_limit_resets_after_a_day(desk: CaseDesk, clock: Clock) -> None:
    for i in range(3):
        await desk.submit(application(description=f"情况{i}"), key=f"k{i}", sender="conv-a")
    assert isinstance(
        await desk.submit(application(description="又一件"), key="k3", sender="conv-a"), Limited
    )
    clock.now += timedelta(hours=24, seconds=1)
    assert isinstance(
        await desk.submit(application(description="又一件"), key="k4", sender="conv-a"), Submitted
    )


async def test_an_application_the_case_system_refuses_is_reported_not_retried(
    outbox: Outbox,
) -> None:
    class Refusing(Switchable):
        async def create(self, application: CaseApplication, *, idempotency_key: str) -> CaseRecord:
            self.calls += 1
            raise InvalidApplication(["ip_number: unknown format"])

    refusing = Refusing(inner=None)  # type: ignore[arg-type]
    desk = CaseDesk(refusing, outbox, budget=1.0)
    outcome = await desk.submit(application(), key="k1", sender="conv-a")
    assert outcome == Rejected(("ip_number: unknown format",))
    entry = outbox.get("k1")
    assert entry is not None and entry.state is OutboxState.REJECTED
    assert outbox.due() == []


async def test_an_unexpected_failure_queues_instead_of_losing(outbox: Outbox) -> None:
    class Broken(Switchable):
        async def create(self, application: CaseApplication, *, idempotency_key: str) -> CaseRecord:
            raise RuntimeError("bug")

    desk = CaseDesk(Broken(inner=None), outbox, budget=1.0)  # type: ignore[arg-type]
    outcome = await desk.submit(application(), key="k1", sender="conv-a")
    assert isinstance(outcome, Queued)
    assert outbox.application("k1") == application()


async def test_the_relay_runs_until_stopped(
    desk: CaseDesk, backend: Switchable, clock: Clock
) -> None:
    backend.down = True
    await desk.submit(application(), key="k1", sender="conv-a")
    backend.down = False
    clock.now += timedelta(hours=1)
    stop = asyncio.Event()
    task = asyncio.create_task(desk.run_relay(0.05, stop))
    for _ in range(100):
        await asyncio.sleep(0.05)
        if desk.outbox.pending_count() == 0:
            break
    stop.set()
    await asyncio.wait_for(task, 2)
    assert desk.outbox.pending_count() == 0


def test_retries_back_off_to_a_ceiling() -> None:
    delays = [retry_delay(n) for n in range(1, 12)]
    assert delays == sorted(delays)
    assert delays[0] == timedelta(seconds=15) and delays[-1] == timedelta(minutes=10)


async def test_the_relay_leaves_an_entry_alone_while_its_submitter_delivers_it(
    desk: CaseDesk, backend: Switchable, outbox: Outbox, clock: Clock, sql_backend: SqlCaseBackend
) -> None:
    backend.delay = 0.5  # the submitter's create is in flight...
    submitting = asyncio.create_task(desk.submit(application(), key="k-held", sender="s-held"))
    await asyncio.sleep(0.1)
    assert await desk.relay_once() == 0  # ...so the relay does not send a second one
    assert isinstance(await submitting, Submitted)
    assert backend.calls == 1
    # An entry whose submitter died mid-delivery is the relay's after the budget.
    clock.now += timedelta(seconds=5)
    assert outbox.due() == []  # delivered already: nothing left to relay
    assert sql_backend.count() == 1


async def test_an_entry_whose_submitter_died_is_relayed_after_the_hold(
    desk: CaseDesk, outbox: Outbox, clock: Clock, sql_backend: SqlCaseBackend
) -> None:
    # What a crash between the write-ahead and the create leaves behind.
    outbox.add("k-orphan", "s-orphan", application(), limit=3, hold=timedelta(seconds=3))
    assert await desk.relay_once() == 0
    clock.now += timedelta(seconds=4)
    assert await desk.relay_once() == 1
    [entry] = await desk.news_for("s-orphan")
    assert entry.case_number == sql_backend.list_cases()[0].case_number
