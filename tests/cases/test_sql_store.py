"""The built-in case store, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from cases.crypto import FieldCipher, new_key
from cases.errors import BackendUnavailable, CaseNotFound, IdempotencyConflict, InvalidTransition
from cases.model import CaseStatus
from cases.settings import CaseSettings
from cases.sql import SqlCaseBackend
from cases.sql.engine import current_revision
from cases.sql.tables import cases, metadata
from tests.cases.factories import application, id_number, organisation


async def test_a_case_gets_a_numbered_record_with_everything_confirmed(
    sql_backend: SqlCaseBackend,
) -> None:
    confirmed = organisation(id_number=id_number())
    record = await sql_backend.create(confirmed, idempotency_key="conv-1:msg-1")
    assert record.case_number.startswith(f"WQ-{datetime.now(UTC).year}-")
    assert record.status is CaseStatus.SUBMITTED
    assert record.application == confirmed
    fetched = await sql_backend.get(record.case_number)
    assert fetched == record


async def test_numbers_count_up_within_a_year(sql_backend: SqlCaseBackend) -> None:
    numbers = [
        (await sql_backend.create(application(), idempotency_key=f"k{i}")).case_number
        for i in range(3)
    ]
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == [1, 2, 3]


async def test_the_counter_starts_again_in_a_new_year(case_settings: CaseSettings) -> None:
    moments = iter(
        [datetime(2026, 12, 31, 15, 59, tzinfo=UTC), datetime(2026, 12, 31, 16, 1, tzinfo=UTC)]
    )
    store = SqlCaseBackend.open(case_settings)
    store._clock = lambda: next(moments)
    first = store.create_now(application(), "a")
    second = store.create_now(application(), "b")
    # 16:01 UTC on 31 December is already 1 January in Beijing.
    assert (first.case_number, second.case_number) == ("WQ-2026-000001", "WQ-2027-000001")
    store.engine.dispose()


async def test_the_same_key_and_application_return_the_first_record(
    sql_backend: SqlCaseBackend,
) -> None:
    first = await sql_backend.create(application(), idempotency_key="same")
    again = await sql_backend.create(application(), idempotency_key="same")
    assert again == first
    assert sql_backend.count() == 1


async def test_the_same_key_with_another_application_is_a_conflict(
    sql_backend: SqlCaseBackend,
) -> None:
    await sql_backend.create(application(), idempotency_key="same")
    with pytest.raises(IdempotencyConflict):
        await sql_backend.create(application(description="另一件事"), idempotency_key="same")
    assert sql_backend.count() == 1


def test_concurrent_creates_with_one_key_make_one_row(sql_backend: SqlCaseBackend) -> None:
    results: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def submit() -> None:
        barrier.wait()
        try:
            results.append(sql_backend.create_now(application(), "one-key").case_number)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(results)) == 1 and len(results) == 8
    assert sql_backend.count() == 1


def test_concurrent_creates_with_different_keys_get_distinct_numbers(
    sql_backend: SqlCaseBackend,
) -> None:
    numbers: list[str] = []

    def submit(i: int) -> None:
        numbers.append(sql_backend.create_now(application(), f"key-{i}").case_number)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(numbers)) == 10
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 11))


async def test_personal_columns_are_encrypted_at_rest(sql_backend: SqlCaseBackend) -> None:
    confirmed = application(id_number=id_number())
    await sql_backend.create(confirmed, idempotency_key="k")
    with sql_backend.engine.connect() as connection:
        row = connection.execute(select(cases)).one()
    stored = " ".join(str(value) for value in row)
    for secret in (confirmed.phone, confirmed.id_number, confirmed.contact_name, "仿冒"):
        assert secret not in stored
    assert row.phone_enc.startswith("gAAAA")  # a Fernet token


async def test_a_record_cannot_be_read_with_another_key(case_settings: CaseSettings) -> None:
    store = SqlCaseBackend.open(case_settings)
    number = store.create_now(application(), "k").case_number
    store.engine.dispose()
    other = SqlCaseBackend(store.engine, FieldCipher([new_key()]))
    with pytest.raises(Exception, match="cannot be decrypted"):
        other.get_now(number)


async def test_status_moves_only_along_allowed_transitions(sql_backend: SqlCaseBackend) -> None:
    number = (await sql_backend.create(application(), idempotency_key="k")).case_number
    accepted = await sql_backend.update_status(number, CaseStatus.ACCEPTED, note="材料齐全")
    assert accepted.status is CaseStatus.ACCEPTED and accepted.updated_at >= accepted.created_at
    with pytest.raises(InvalidTransition):
        await sql_backend.update_status(number, CaseStatus.SUBMITTED)
    with pytest.raises(CaseNotFound):
        await sql_backend.update_status("WQ-2026-999999", CaseStatus.ACCEPTED)
    kinds = [(event.kind, event.detail) for event in sql_backend.events(number)]
    assert kinds[0][0] == "created"
    assert kinds[1] == ("status", {"from": "submitted", "to": "accepted", "note": "材料齐全"})


async def test_an_unknown_number_is_none(sql_backend: SqlCaseBackend) -> None:
    assert await sql_backend.get("WQ-2026-000404") is None


def test_purge_removes_only_finished_cases_past_retention(sql_backend: SqlCaseBackend) -> None:
    old = datetime.now(UTC) - timedelta(days=400)
    sql_backend._clock = lambda: old
    finished = sql_backend.create_now(application(), "finished").case_number
    sql_backend.update_status_now(finished, CaseStatus.REJECTED)
    still_open = sql_backend.create_now(application(), "open").case_number
    sql_backend._clock = lambda: datetime.now(UTC)
    recent = sql_backend.create_now(application(), "recent").case_number
    sql_backend.update_status_now(recent, CaseStatus.WITHDRAWN)

    purged = sql_backend.purge(datetime.now(UTC) - timedelta(days=365), actor="tester")
    assert purged == [finished]
    assert sql_backend.get_now(finished) is None
    assert sql_backend.get_now(still_open) is not None
    assert sql_backend.get_now(recent) is not None
    assert [e.kind for e in sql_backend.events(finished)][-1] == "purged"


def test_rotating_the_key_keeps_records_readable_with_the_new_key_alone(
    case_settings: CaseSettings,
) -> None:
    old_key, new = case_settings.encryption_keys or "", new_key()
    store = SqlCaseBackend.open(case_settings)
    number = store.create_now(application(), "k").case_number
    rotating = SqlCaseBackend(store.engine, FieldCipher([new, old_key]))
    assert rotating.rotate_keys() == 1
    only_new = SqlCaseBackend(store.engine, FieldCipher([new]))
    record = only_new.get_now(number)
    assert record is not None and record.application.phone == application().phone
    store.engine.dispose()


def test_migrations_make_the_schema_the_code_expects(sql_backend: SqlCaseBackend) -> None:
    assert current_revision(sql_backend.engine) == "0001"
    inspector = inspect(sql_backend.engine)
    for table in metadata.sorted_tables:
        have = {column["name"] for column in inspector.get_columns(table.name)}
        assert have == {column.name for column in table.columns}, table.name
    unique = {tuple(c["column_names"]) for c in inspector.get_unique_constraints("cases")}
    unique |= {tuple(i["column_names"]) for i in inspector.get_indexes("cases") if i.get("unique")}
    assert ("idempotency_key",) in unique


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    settings = CaseSettings(
        database_url=f"sqlite:///{tmp_path / 'c.db'}", encryption_keys=new_key()
    )
    store = SqlCaseBackend.open(settings)
    with store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 10000
    store.engine.dispose()


async def test_an_unreachable_database_is_backend_unavailable_without_data(tmp_path: Path) -> None:
    settings = CaseSettings(
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none",
        encryption_keys=new_key(),
    )
    with pytest.raises(BackendUnavailable):
        SqlCaseBackend.open(settings)
    store = SqlCaseBackend.open(settings, wait_for_database=False)  # starts anyway
    with pytest.raises(BackendUnavailable) as caught:
        await store.create(application(), idempotency_key="k")
    assert application().phone not in str(caught.value)
    await store.close()


def test_a_server_database_needs_a_key_from_the_environment() -> None:
    from cases.errors import ConfigurationError

    settings = CaseSettings(database_url="postgresql+psycopg://u@h/db")
    with pytest.raises(ConfigurationError, match="CASE_ENCRYPTION_KEY"):
        settings.cipher()


def test_the_embedded_default_keeps_a_private_key_file(tmp_path: Path) -> None:
    settings = CaseSettings(
        database_url=f"sqlite:///{tmp_path / 'c.db'}", key_file=tmp_path / "k" / "key"
    )
    first = settings.cipher()
    assert (settings.key_file.stat().st_mode & 0o777) == 0o600
    token = first.encrypt("13912345678")
    assert settings.cipher().decrypt(token) == "13912345678"


def test_asyncio_callers_are_not_blocked(sql_backend: SqlCaseBackend) -> None:
    async def both() -> list[str]:
        made = await asyncio.gather(
            *(sql_backend.create(application(), idempotency_key=f"k{i}") for i in range(5))
        )
        return [record.case_number for record in made]

    assert len(set(asyncio.run(both()))) == 5
