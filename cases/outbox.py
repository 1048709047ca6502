"""The durable outbox: an application is written here before the case system is asked.

Write-ahead is what makes "nothing lost" hold whatever fails: the row — the
encrypted application, its idempotency key and a provisional reference the
person is given — is committed in one transaction before any network call.
If the case system is down, slow, or the process dies mid-call, the row is
still there and the relay delivers it later with the same key, so the case
system records it once. After delivery the payload is erased: personal data
is stored once, in the case record.

A row the relay cannot read — written under a key no longer configured — is
set aside (a state of its own, logged for the operator, listed by
`python -m cases outbox`) so that it never blocks the rows behind it.
Key rotation and the operator's listing live in cases/outbox_admin.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from cases.crypto import FieldCipher
from cases.errors import IdempotencyConflict
from cases.local_db import LocalDatabase
from cases.model import CaseApplication, utc_now
from cases.outbox_entries import (
    FINAL_STATES,
    OutboxEntry,
    OutboxState,
    provisional_reference,
    sender_digest,
)
from cases.outbox_entries import entry as _entry
from cases.outbox_entries import iso as _iso

__all__ = [
    "Outbox",
    "OutboxEntry",
    "OutboxState",
    "Throttled",
    "provisional_reference",
    "retry_delay",
    "sender_digest",
]

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    key TEXT PRIMARY KEY,
    sender TEXT NOT NULL,
    phone TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    payload TEXT,
    state TEXT NOT NULL,
    case_number TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    delivered_at TEXT,
    announced INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outbox_sender ON outbox (sender, created_at);
CREATE INDEX IF NOT EXISTS outbox_phone ON outbox (phone, created_at);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at);
"""


# Retry schedule of the relay: quick at first (a blip), then settling at ten
# minutes (an outage); an application is never given up on.
FIRST_RETRY = timedelta(seconds=15)
LONGEST_RETRY = timedelta(minutes=10)


def retry_delay(attempts: int) -> timedelta:
    """Doubling from FIRST_RETRY, capped at LONGEST_RETRY."""
    return min(LONGEST_RETRY, FIRST_RETRY * (2 ** max(0, min(attempts - 1, 10))))


class Throttled(Exception):
    """The sender (or phone number) has reached its limit of new applications."""


class Outbox:
    def __init__(
        self, path: Path, cipher: FieldCipher, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._db = LocalDatabase(path, SCHEMA)
        self._cipher = cipher
        self._now = clock

    @property
    def path(self) -> Path:
        return self._db.path

    # -- writing ---------------------------------------------------------------

    def add(
        self,
        key: str,
        sender: str,
        application: CaseApplication,
        *,
        limit: int,
        window: timedelta = timedelta(hours=24),
        hold: timedelta = timedelta(0),
    ) -> OutboxEntry:
        """Write the application ahead of delivery; return its entry.

        `hold`: how long the relay leaves the new entry alone — the submitter
        is delivering it meanwhile, and a second create racing the first
        would only cost the case system a replay.

        The same key again returns the existing entry (IdempotencyConflict if
        it carried another application). A new application is refused with
        Throttled when the conversation or the phone number already opened
        `limit` applications within `window` — counted in the same transaction
        as the insert, so a burst of concurrent submissions cannot slip past.
        """
        fingerprint = application.fingerprint()
        now = self._now()
        sender_hash = sender_digest(sender)
        phone_hash = self._cipher.digest(application.phone)
        since = _iso(now - window)
        with self._db.transaction() as connection:
            row = connection.execute("SELECT * FROM outbox WHERE key = ?", (key,)).fetchone()
            if row is not None:
                if row["fingerprint"] != fingerprint:
                    raise IdempotencyConflict("the key was used for a different application")
                return _entry(row)
            counted = (OutboxState.PENDING.value, OutboxState.DELIVERED.value)
            recent = connection.execute(
                "SELECT count(*) FROM outbox WHERE (sender = ? OR phone = ?)"
                " AND created_at >= ? AND state IN (?, ?)",
                (sender_hash, phone_hash, since, *counted),
            ).fetchone()[0]
            if recent >= limit:
                raise Throttled(f"{recent} applications within {window}")
            payload = self._cipher.encrypt(
                json.dumps(application.to_json(), ensure_ascii=False, sort_keys=True)
            )
            connection.execute(
                "INSERT INTO outbox (key, sender, phone, fingerprint, reference, payload, state,"
                " created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    sender_hash,
                    phone_hash,
                    fingerprint,
                    provisional_reference(now),
                    payload,
                    OutboxState.PENDING.value,
                    _iso(now),
                    _iso(now + hold),
                ),
            )
            row = connection.execute("SELECT * FROM outbox WHERE key = ?", (key,)).fetchone()
        return _entry(row)

    def delivered(self, key: str, case_number: str, *, announced: bool) -> OutboxEntry:
        """The case system confirmed the record: keep the number, erase the payload."""
        now = _iso(self._now())
        with self._db.transaction() as connection:
            connection.execute(
                "UPDATE outbox SET state = ?, case_number = ?, payload = NULL, delivered_at = ?,"
                " attempts = attempts + 1, last_error = NULL, announced = max(announced, ?)"
                " WHERE key = ?",
                (OutboxState.DELIVERED.value, case_number, now, int(announced), key),
            )
        return self._require(key)

    def failed_attempt(self, key: str, error: str) -> OutboxEntry:
        """Delivery failed for now; schedule the next try. `error` is a type name, no data."""
        with self._db.transaction() as connection:
            row = connection.execute(
                "SELECT attempts FROM outbox WHERE key = ? AND state = ?",
                (key, OutboxState.PENDING.value),
            ).fetchone()
            if row is not None:
                attempts = row["attempts"] + 1
                due = self._now() + retry_delay(attempts)
                connection.execute(
                    "UPDATE outbox SET attempts = ?, last_error = ?, next_attempt_at = ?"
                    " WHERE key = ?",
                    (attempts, error[:200], _iso(due), key),
                )
        return self._require(key)

    def settle(self, key: str, state: OutboxState, error: str) -> OutboxEntry:
        """A final answer other than delivery (conflict, rejected): stop retrying, erase data."""
        with self._db.transaction() as connection:
            connection.execute(
                "UPDATE outbox SET state = ?, payload = NULL, last_error = ?,"
                " attempts = attempts + 1 WHERE key = ?",
                (state.value, error[:200], key),
            )
        return self._require(key)

    def set_aside(self, key: str, error: str) -> OutboxEntry:
        """The stored application cannot be read: stop trying, keep the payload.

        Only a pending entry is set aside. The payload stays as it is (it is
        still encrypted): with the lost key found again, rotation revives it.
        `error` is a type name, no data.
        """
        with self._db.transaction() as connection:
            connection.execute(
                "UPDATE outbox SET state = ?, last_error = ?, attempts = attempts + 1"
                " WHERE key = ? AND state = ?",
                (OutboxState.SET_ASIDE.value, error[:200], key, OutboxState.PENDING.value),
            )
        return self._require(key)

    def mark_announced(self, key: str) -> None:
        with self._db.transaction() as connection:
            connection.execute("UPDATE outbox SET announced = 1 WHERE key = ?", (key,))

    # -- reading ---------------------------------------------------------------

    def get(self, key: str) -> OutboxEntry | None:
        row = self._db.read().execute("SELECT * FROM outbox WHERE key = ?", (key,)).fetchone()
        return None if row is None else _entry(row)

    def _require(self, key: str) -> OutboxEntry:
        entry = self.get(key)
        if entry is None:
            raise KeyError(key)
        return entry

    def by_reference(self, reference: str) -> OutboxEntry | None:
        row = (
            self._db.read()
            .execute("SELECT * FROM outbox WHERE reference = ?", (reference.upper(),))
            .fetchone()
        )
        return None if row is None else _entry(row)

    def find(self, sender: str, fingerprint: str) -> OutboxEntry | None:
        """The conversation's earlier submission of the very same application, if any
        (a second 确认, a resent message): pending or delivered, newest first."""
        row = (
            self._db.read()
            .execute(
                "SELECT * FROM outbox WHERE sender = ? AND fingerprint = ? AND state IN (?, ?)"
                " ORDER BY created_at DESC LIMIT 1",
                (
                    sender_digest(sender),
                    fingerprint,
                    OutboxState.PENDING.value,
                    OutboxState.DELIVERED.value,
                ),
            )
            .fetchone()
        )
        return None if row is None else _entry(row)

    def application(self, key: str) -> CaseApplication | None:
        """The stored application of a pending entry (None once delivered or settled)."""
        row = self._db.read().execute("SELECT payload FROM outbox WHERE key = ?", (key,)).fetchone()
        if row is None or row["payload"] is None:
            return None
        return CaseApplication.from_json(json.loads(self._cipher.decrypt(row["payload"]) or "{}"))

    def due(self, limit: int = 50) -> list[OutboxEntry]:
        rows = (
            self._db.read()
            .execute(
                "SELECT * FROM outbox WHERE state = ? AND next_attempt_at <= ?"
                " ORDER BY next_attempt_at LIMIT ?",
                (OutboxState.PENDING.value, _iso(self._now()), limit),
            )
            .fetchall()
        )
        return [_entry(row) for row in rows]

    def unannounced(self, sender: str) -> list[OutboxEntry]:
        """Applications of this conversation that reached a final state — delivered,
        or refused by the case system — after the person was last told."""
        rows = (
            self._db.read()
            .execute(
                "SELECT * FROM outbox WHERE sender = ? AND state IN (?, ?, ?) AND announced = 0"
                " ORDER BY created_at",
                (sender_digest(sender), *FINAL_STATES),
            )
            .fetchall()
        )
        return [_entry(row) for row in rows]

    def waiting(self, sender: str) -> bool:
        """Whether this conversation has an application not yet delivered, or
        settled and not yet told."""
        row = (
            self._db.read()
            .execute(
                "SELECT 1 FROM outbox WHERE sender = ?"
                " AND (state = ? OR (state IN (?, ?, ?) AND announced = 0)) LIMIT 1",
                (sender_digest(sender), OutboxState.PENDING.value, *FINAL_STATES),
            )
            .fetchone()
        )
        return row is not None

    def pending_count(self) -> int:
        row = (
            self._db.read()
            .execute("SELECT count(*) FROM outbox WHERE state = ?", (OutboxState.PENDING.value,))
            .fetchone()
        )
        return int(row[0])

    def close(self) -> None:
        self._db.close()
