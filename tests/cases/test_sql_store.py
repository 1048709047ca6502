"""The built-in case store, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, inspect, select, text

from cases.crypto import FieldCipher, new_key
from cases.errors import BackendUnavailable, CaseNotFound, IdempotencyConflict, InvalidTransition
from cases.model import CaseStatus
from cases.settings import CaseSettings
from cases.sql import SqlCaseBackend
from cases.sql.engine import current_revision, make_engine, migrate
from cases.sql.tables import case_events, cases, metadata
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
    assert sql_backend.count() == 10


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


def test_a_purged_case_leaves_only_a_content_free_tombstone(sql_backend: SqlCaseBackend) -> None:
    """Staff notes and unmask reasons quote names and numbers: they go with the case."""
    old = datetime.now(UTC) - timedelta(days=400)
    sql_backend._clock = lambda: old
    gone = sql_backend.create_now(application(), "gone").case_number
    sql_backend.record_event(gone, "unmasked", "李四", {"reason": "回电王秀英 13912345678"})
    sql_backend.update_status_now(
        gone, CaseStatus.REJECTED, "已电话告知王秀英（13912345678）", "李四"
    )
    kept = sql_backend.create_now(application(), "kept").case_number
    sql_backend.update_status_now(kept, CaseStatus.ACCEPTED, "材料齐全", "李四")
    sql_backend._clock = lambda: datetime.now(UTC)

    assert sql_backend.purge(datetime.now(UTC) - timedelta(days=365), actor="张管理") == [gone]

    [tombstone] = sql_backend.events(gone)
    assert (tombstone.case_number, tombstone.kind, tombstone.actor) == (gone, "purged", "张管理")
    assert tombstone.detail is None
    assert abs(tombstone.at - datetime.now(UTC)) < timedelta(minutes=1)
    with sql_backend.engine.connect() as connection:
        rows = connection.execute(select(case_events)).all()
    everything = " ".join(str(value) for row in rows for value in row)
    for trace in ("王秀英", "13912345678", "回电", "已电话告知"):
        assert trace not in everything
    # The case still being handled keeps its whole history.
    assert [e.kind for e in sql_backend.events(kept)] == ["created", "status"]
    assert sql_backend.events(kept)[-1].detail == {
        "from": "submitted",
        "to": "accepted",
        "note": "材料齐全",
    }


def test_upgrading_removes_what_earlier_purges_left_behind(case_settings: CaseSettings) -> None:
    """Stores purged by the old code still hold the notes of purged cases: the migration
    deletes them, keeping the tombstones and every event of a case that still exists."""
    engine = make_engine(case_settings.database_url, case_settings.database_schema)
    try:
        migrate(engine, "0001")
        at = datetime(2025, 1, 2, 3, 4)
        with engine.begin() as connection:
            connection.execute(
                insert(case_events),
                [
                    {
                        "case_number": "WQ-2025-000001",
                        "at": at,
                        "kind": "created",
                        "actor": "system",
                        "detail": {"channel": "widget"},
                    },
                    {
                        "case_number": "WQ-2025-000001",
                        "at": at,
                        "kind": "status",
                        "actor": "李四",
                        "detail": {"note": "回电王秀英 13912345678"},
                    },
                    {
                        "case_number": "WQ-2025-000001",
                        "at": at,
                        "kind": "purged",
                        "actor": "张管理",
                        "detail": None,
                    },
                    {
                        "case_number": "WQ-2025-000002",
                        "at": at,
                        "kind": "status",
                        "actor": "李四",
                        "detail": {"note": "材料齐全"},
                    },
                ],
            )
        migrate(engine)
        with engine.connect() as connection:
            left = connection.execute(select(case_events.c.case_number, case_events.c.kind)).all()
        assert sorted(tuple(row) for row in left) == [
            ("WQ-2025-000001", "purged"),
            ("WQ-2025-000002", "status"),
        ]
    finally:
        engine.dispose()


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
    assert current_revision(sql_backend.engine) == "0002"
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
