"""SqlCaseBackend: case records in a SQL database (SQLite by default, PostgreSQL by URL).

Exactly-once rests on the database, not on the code: the idempotency key is a
unique column, and a create that loses a race to the same key reads the
winner's row instead. Case numbers come from a per-year counter row updated in
the same transaction as the insert, so a rolled-back insert leaves no gap and
two processes never hand out one number twice.

SQLAlchemy's engine is synchronous; calls run in a worker thread so the action
server's event loop keeps serving other conversations meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Row, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError

from cases.crypto import FieldCipher
from cases.errors import (
    BackendUnavailable,
    CaseNotFound,
    IdempotencyConflict,
    InvalidTransition,
)
from cases.model import BEIJING, CaseApplication, CaseRecord, CaseStatus, utc_now
from cases.settings import CaseSettings
from cases.sql.engine import make_engine, migrate
from cases.sql.tables import case_counters, case_events, cases

log = logging.getLogger(__name__)


def _naive_utc(moment: datetime) -> datetime:
    """Columns hold naive UTC: SQLite has no time zones, and one rule for both is simpler."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@dataclass(frozen=True)
class CaseEvent:
    case_number: str
    at: datetime
    kind: str
    actor: str
    detail: dict[str, Any] | None


class SqlCaseBackend:
    def __init__(
        self,
        engine: Engine,
        cipher: FieldCipher,
        *,
        number_prefix: str = "WQ",
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._engine = engine
        self._cipher = cipher
        self._prefix = number_prefix
        self._clock = clock
        self._migrated = False
        self._migrate_lock = threading.Lock()

    @classmethod
    def open(cls, settings: CaseSettings, *, wait_for_database: bool = True) -> SqlCaseBackend:
        """The store, its schema migrated to the newest revision.

        With `wait_for_database=False` an unreachable database is not an error
        here: the action server must start (and queue applications in its
        outbox) while the database is down; the schema is migrated on first use.
        """
        backend = cls(
            make_engine(settings.database_url, settings.database_schema),
            settings.cipher(),
            number_prefix=settings.number_prefix,
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
                number = self._next_number(connection, now.astimezone(BEIJING).year)
                connection.execute(
                    insert(cases).values(
                        case_number=number,
                        idempotency_key=idempotency_key,
                        request_hash=request_hash,
                        status=CaseStatus.SUBMITTED.value,
                        created_at=_naive_utc(now),
                        updated_at=_naive_utc(now),
                        **self._columns(application),
                    )
                )
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
        return self._record(self._fetch(number))

    def get_now(self, case_number: str) -> CaseRecord | None:
        with self._engine.connect() as connection:
            row = connection.execute(
                select(cases).where(cases.c.case_number == case_number)
            ).first()
        return None if row is None else self._record(row)

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
                    .values(status=status.value, updated_at=_naive_utc(now))
                )
                detail = {"from": current.value, "to": status.value}
                if note:
                    detail["note"] = note
                self._event(connection, case_number, now, "status", actor, detail)
        return self._record(self._fetch(case_number))

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
            query = query.where(cases.c.created_at >= _naive_utc(since))
        if until is not None:
            query = query.where(cases.c.created_at < _naive_utc(until))
        if limit is not None:
            query = query.limit(limit)
        with self._engine.connect() as connection:
            for row in connection.execute(query):
                yield self._record(row)

    def count(self) -> int:
        with self._engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(cases)).scalar_one())

    def record_event(
        self, case_number: str, kind: str, actor: str, detail: dict[str, Any] | None = None
    ) -> None:
        with self._engine.begin() as connection:
            self._event(connection, case_number, self._clock(), kind, actor, detail)

    def events(self, case_number: str | None = None) -> list[CaseEvent]:
        query = select(case_events).order_by(case_events.c.id)
        if case_number is not None:
            query = query.where(case_events.c.case_number == case_number)
        with self._engine.connect() as connection:
            return [
                CaseEvent(row.case_number, _aware(row.at), row.kind, row.actor, row.detail)
                for row in connection.execute(query)
            ]

    def purge(self, closed_before: datetime, actor: str) -> list[str]:
        """Delete the cases finished (closed, rejected, …) before `closed_before`.

        Open cases are kept however old: a case still being handled is not past
        its retention. The audit trail keeps one `purged` event per case, without
        personal data.
        """
        finished = [status.value for status in CaseStatus if status.final]
        with self._engine.begin() as connection:
            numbers = list(
                connection.execute(
                    select(cases.c.case_number).where(
                        cases.c.status.in_(finished),
                        cases.c.updated_at < _naive_utc(closed_before),
                    )
                ).scalars()
            )
            if numbers:
                connection.execute(delete(cases).where(cases.c.case_number.in_(numbers)))
                now = self._clock()
                for number in numbers:
                    self._event(connection, number, now, "purged", actor, None)
        return numbers

    def rotate_keys(self) -> int:
        """Re-encrypt every personal column with the current (first) key."""
        columns = ("contact_name_enc", "phone_enc", "id_number_enc", "description_enc")
        changed = 0
        with self._engine.begin() as connection:
            for row in connection.execute(select(cases.c.id, *(cases.c[c] for c in columns))):
                values = {c: self._cipher.rotate(getattr(row, c)) for c in columns}
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

    def _next_number(self, connection: Connection, year: int) -> str:
        dialect_insert = (
            postgres_insert if connection.dialect.name == "postgresql" else sqlite_insert
        )
        connection.execute(
            dialect_insert(case_counters)
            .values(year=year, last=0)
            .on_conflict_do_nothing(index_elements=["year"])
        )
        last = connection.execute(
            update(case_counters)
            .where(case_counters.c.year == year)
            .values(last=case_counters.c.last + 1)
            .returning(case_counters.c.last)
        ).scalar_one()
        return f"{self._prefix}-{year}-{last:06d}"

    def _by_key(self, connection: Connection, key: str) -> Row[Any] | None:
        return connection.execute(select(cases).where(cases.c.idempotency_key == key)).first()

    def _fetch(self, case_number: str) -> Row[Any]:
        with self._engine.connect() as connection:
            return connection.execute(select(cases).where(cases.c.case_number == case_number)).one()

    def _replay(self, row: Row[Any], request_hash: str) -> CaseRecord:
        if row.request_hash != request_hash:
            raise IdempotencyConflict("the key was used for a different application")
        return self._record(row)

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
                case_number=case_number, at=_naive_utc(at), kind=kind, actor=actor, detail=detail
            )
        )

    def _columns(self, application: CaseApplication) -> dict[str, Any]:
        encrypt = self._cipher.encrypt
        return {
            "applicant_type": application.applicant_type,
            "contact_name_enc": encrypt(application.contact_name),
            "phone_enc": encrypt(application.phone),
            "id_number_enc": encrypt(application.id_number),
            "organization_name": application.organization_name,
            "credit_code": application.credit_code,
            "ip_type": application.ip_type,
            "ip_number": application.ip_number,
            "issue_type": application.issue_type,
            "in_region": application.in_region,
            "financial_hardship": application.financial_hardship,
            "description_enc": encrypt(application.description),
            "eligibility": dict(application.eligibility) if application.eligibility else None,
            "channel": application.channel,
            "consent_at": _naive_utc(application.consent_at),
        }

    def _record(self, row: Row[Any]) -> CaseRecord:
        decrypt = self._cipher.decrypt
        application = CaseApplication(
            applicant_type=row.applicant_type,
            contact_name=decrypt(row.contact_name_enc) or "",
            phone=decrypt(row.phone_enc) or "",
            description=decrypt(row.description_enc) or "",
            consent_at=_aware(row.consent_at),
            channel=row.channel,
            organization_name=row.organization_name,
            credit_code=row.credit_code,
            id_number=decrypt(row.id_number_enc),
            ip_type=row.ip_type,
            ip_number=row.ip_number,
            issue_type=row.issue_type,
            in_region=row.in_region,
            financial_hardship=row.financial_hardship,
            eligibility=row.eligibility,
        )
        return CaseRecord(
            case_number=row.case_number,
            status=CaseStatus(row.status),
            created_at=_aware(row.created_at),
            updated_at=_aware(row.updated_at),
            application=application,
        )
