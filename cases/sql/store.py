"""SqlCaseBackend: case records in a SQL database (SQLite by default, PostgreSQL by URL).

Exactly-once rests on the database, not on the code: the idempotency key is a
unique column, and a create that loses a race to the same key reads the
winner's row instead. Case numbers are drawn at random (cases/sql/numbers.py);
the unique case-number column, not a check beforehand, is what keeps two
processes from issuing one number twice: a drawn number another case holds
fails its insert inside a savepoint and the next draw is tried.

A purge deletes the case and its whole audit trail — staff notes and
unmask reasons quote names and numbers — and leaves one content-free
tombstone: the number, `purged`, when and by whom.

SQLAlchemy's engine is synchronous; calls run in a worker thread so the action
server's event loop keeps serving other conversations meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError

from cases.crypto import FieldCipher
from cases.errors import (
    BackendUnavailable,
    CaseError,
    CaseNotFound,
    IdempotencyConflict,
    InvalidTransition,
)
from cases.model import BEIJING, CaseApplication, CaseRecord, CaseStatus, utc_now
from cases.settings import CaseSettings
from cases.sql import numbers, rows
from cases.sql.engine import make_engine, migrate
from cases.sql.rows import CaseEvent, aware, naive_utc
from cases.sql.tables import case_events, cases

__all__ = ["CaseEvent", "SqlCaseBackend"]

log = logging.getLogger(__name__)

# Case numbers per statement when purging: well within every driver's parameter limit.
PURGE_BATCH = 500


class SqlCaseBackend:
    def __init__(
        self,
        engine: Engine,
        cipher: FieldCipher,
        *,
        number_prefix: str = "WQ",
        clock: Callable[[], datetime] = utc_now,
        serials: numbers.SerialSource = numbers.random_serial,
    ) -> None:
        self._engine = engine
        self._cipher = cipher
        self._prefix = number_prefix
        self._clock = clock
        self._serials = serials
        self._migrated = False
        self._migrate_lock = threading.Lock()

    @classmethod
    def open(
        cls,
        settings: CaseSettings,
        *,
        wait_for_database: bool = True,
        serials: numbers.SerialSource = numbers.random_serial,
    ) -> SqlCaseBackend:
        """The store, its schema migrated to the newest revision.

        With `wait_for_database=False` an unreachable database is not an error
        here: the action server must start (and queue applications in its
        outbox) while the database is down; the schema is migrated on first use.
        `serials` draws the digits of new case numbers (tests script it).
        """
        cipher = settings.cipher()  # before the engine: a refused key creates no file
        backend = cls(
            make_engine(settings.database_url, settings.database_schema),
            cipher,
            number_prefix=settings.number_prefix,
            serials=serials,
        )
        try:
            backend._guarded(lambda: None)
        except BackendUnavailable:
            if wait_for_database:
                raise
            log.warning("case database unreachable at start; will retry on first use")
        return backend

    @property
    def engine(self) -> Engine:
        return self._engine

    # -- the CaseBackend interface -------------------------------------------

    async def create(self, application: CaseApplication, *, idempotency_key: str) -> CaseRecord:
        application.validate()
        return await asyncio.to_thread(self._guarded, self.create_now, application, idempotency_key)

    async def get(self, case_number: str) -> CaseRecord | None:
        return await asyncio.to_thread(self._guarded, self.get_now, case_number)

    async def update_status(
        self, case_number: str, status: CaseStatus, *, note: str = "", actor: str = "system"
    ) -> CaseRecord:
        return await asyncio.to_thread(
            self._guarded, self.update_status_now, case_number, status, note, actor
        )

    async def close(self) -> None:
        await asyncio.to_thread(self._engine.dispose)

    # -- synchronous implementations (also used by the staff CLI) ------------

    def create_now(self, application: CaseApplication, idempotency_key: str) -> CaseRecord:
        request_hash = application.fingerprint()
        try:
            with self._engine.begin() as connection:
                existing = self._by_key(connection, idempotency_key)
                if existing is not None:
                    return self._replay(existing, request_hash)
                now = self._clock()
                values = {
                    "idempotency_key": idempotency_key,
                    "request_hash": request_hash,
                    "status": CaseStatus.SUBMITTED.value,
                    "created_at": naive_utc(now),
                    "updated_at": naive_utc(now),
                    **rows.columns(application, self._cipher),
                }
                number = self._insert(connection, values, now.astimezone(BEIJING).year)
                self._event(
                    connection,
                    number,
                    now,
                    "created",
                    "system",
                    {
                        "channel": application.channel,
                    },
                )
        except IntegrityError:
            # Another transaction committed the same key first: its row is the answer.
            with self._engine.connect() as connection:
                existing = self._by_key(connection, idempotency_key)
            if existing is None:
                raise
            return self._replay(existing, request_hash)
        log.info("case %s created", number)
        return rows.record(self._fetch(number), self._cipher)

    def get_now(self, case_number: str) -> CaseRecord | None:
        with self._engine.connect() as connection:
            row = connection.execute(
                select(cases).where(cases.c.case_number == case_number)
            ).first()
        return None if row is None else rows.record(row, self._cipher)

    def update_status_now(
        self, case_number: str, status: CaseStatus, note: str = "", actor: str = "system"
    ) -> CaseRecord:
        with self._engine.begin() as connection:
            row = connection.execute(
                select(cases.c.status).where(cases.c.case_number == case_number)
            ).first()
            if row is None:
                raise CaseNotFound(case_number)
            current = CaseStatus(row.status)
            if current != status:
                if not current.can_become(status):
                    raise InvalidTransition(f"{current.value} → {status.value}")
                now = self._clock()
                connection.execute(
                    update(cases)
                    .where(cases.c.case_number == case_number)
                    .values(status=status.value, updated_at=naive_utc(now))
                )
                detail = {"from": current.value, "to": status.value}
                if note:
                    detail["note"] = note
                self._event(connection, case_number, now, "status", actor, detail)
        return rows.record(self._fetch(case_number), self._cipher)

    def list_cases(
        self,
        *,
        status: CaseStatus | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> list[CaseRecord]:
        return list(self.iter_cases(status=status, since=since, until=until, limit=limit))

    def iter_cases(
        self,
        *,
        status: CaseStatus | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[CaseRecord]:
        query = select(cases).order_by(cases.c.created_at, cases.c.id)
        if status is not None:
            query = query.where(cases.c.status == status.value)
        if since is not None:
            query = query.where(cases.c.created_at >= naive_utc(since))
        if until is not None:
            query = query.where(cases.c.created_at < naive_utc(until))
        if limit is not None:
            query = query.limit(limit)
        with self._engine.connect() as connection:
            for row in connection.execute(query):
                yield rows.record(row, self._cipher)

    def count(self) -> int:
        with self._engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(cases)).scalar_one())

    def record_event(
        self, case_number: str, kind: str, actor: str, detail: dict[str, Any] | None = None
    ) -> None:
        """Append one entry to the audit trail of `case_number` (a lookup, an export, an
        unmasked view). `actor` names who did it; `detail` holds what staff need to
        read back — a reason, a note — and is masked when shown. A number without a
        case may get entries too (a lookup of a purged or mistyped number); a number
        with any history is never issued to a new case. A purge deletes them all."""
        with self._engine.begin() as connection:
            self._event(connection, case_number, self._clock(), kind, actor, detail)

    def events(self, case_number: str | None = None) -> list[CaseEvent]:
        query = select(case_events).order_by(case_events.c.id)
        if case_number is not None:
            query = query.where(case_events.c.case_number == case_number)
        with self._engine.connect() as connection:
            return [
                CaseEvent(row.case_number, aware(row.at), row.kind, row.actor, row.detail)
                for row in connection.execute(query)
            ]

    def purge(self, closed_before: datetime, actor: str) -> list[str]:
        """Delete the cases finished (closed, rejected, …) before `closed_before`.

        Open cases are kept however old: a case still being handled is not past
        its retention. Each purged case's audit trail goes with it (notes and
        reasons quote names and numbers); what stays is one `purged` event —
        the number, when, by whom, no detail — so that the number is known to
        have existed, is never issued again, and staff are told it was purged.
        """
        finished = [status.value for status in CaseStatus if status.final]
        with self._engine.begin() as connection:
            found = list(
                connection.execute(
                    select(cases.c.case_number).where(
                        cases.c.status.in_(finished),
                        cases.c.updated_at < naive_utc(closed_before),
                    )
                ).scalars()
            )
            now = self._clock()
            for start in range(0, len(found), PURGE_BATCH):
                batch = found[start : start + PURGE_BATCH]
                connection.execute(delete(cases).where(cases.c.case_number.in_(batch)))
                connection.execute(delete(case_events).where(case_events.c.case_number.in_(batch)))
                for number in batch:
                    self._event(connection, number, now, "purged", actor, None)
        return found

    def rotate_keys(self) -> int:
        """Re-encrypt every personal column with the current (first) key."""
        encrypted = rows.ENCRYPTED_COLUMNS
        changed = 0
        with self._engine.begin() as connection:
            for row in connection.execute(select(cases.c.id, *(cases.c[c] for c in encrypted))):
                values = {c: self._cipher.rotate(getattr(row, c)) for c in encrypted}
                connection.execute(update(cases).where(cases.c.id == row.id).values(**values))
                changed += 1
        return changed

    # -- internals -------------------------------------------------------------

    def _ensure_schema(self) -> None:
        with self._migrate_lock:
            if not self._migrated:
                migrate(self._engine)
                self._migrated = True

    def _guarded(self, call: Callable[..., Any], *args: Any) -> Any:
        try:
            self._ensure_schema()
            return call(*args)
        except IntegrityError:
            raise
        except DBAPIError as exc:
            # The driver's message may quote the statement's parameters: keep the type only.
            raise BackendUnavailable(f"case database: {type(exc.orig).__name__}") from None

    def _insert(self, connection: Connection, values: dict[str, Any], year: int) -> str:
        """Insert the case under a fresh random number; return the number.

        Each attempt runs in a savepoint, so a number another case already
        holds fails only that attempt (PostgreSQL would otherwise abort the
        whole transaction). A failure that is the idempotency key's — another
        process committed the same submission meanwhile — is re-raised for
        `create_now` to answer with the winner's record.
        """
        for number in numbers.candidates(connection, self._prefix, year, self._serials):
            try:
                with connection.begin_nested():
                    connection.execute(insert(cases).values(case_number=number, **values))
            except IntegrityError:
                if self._by_key(connection, values["idempotency_key"]) is not None:
                    raise
                continue
            return number
        raise CaseError(f"no free case number after {numbers.MAX_DRAWS} draws")

    def _by_key(self, connection: Connection, key: str) -> Row[Any] | None:
        return connection.execute(select(cases).where(cases.c.idempotency_key == key)).first()

    def _fetch(self, case_number: str) -> Row[Any]:
        with self._engine.connect() as connection:
            return connection.execute(select(cases).where(cases.c.case_number == case_number)).one()

    def _replay(self, row: Row[Any], request_hash: str) -> CaseRecord:
        if row.request_hash != request_hash:
            raise IdempotencyConflict("the key was used for a different application")
        return rows.record(row, self._cipher)

    def _event(
        self,
        connection: Connection,
        case_number: str,
        at: datetime,
        kind: str,
        actor: str,
        detail: dict[str, Any] | None,
    ) -> None:
        connection.execute(
            insert(case_events).values(
                case_number=case_number, at=naive_utc(at), kind=kind, actor=actor, detail=detail
            )
        )
