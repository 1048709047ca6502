"""The operator's side of the outbox: what waits or was set aside, key rotation, purging.

Rotation matters because the staff CLI says the old key may go once
`rotate-key` has run: every application still waiting in the outbox must by
then be encrypted with the new key, or the relay could never read it again.
It runs in one transaction and is all or nothing: if a waiting application
cannot be read with any of the given keys (the old key was left out by
mistake), nothing changes. Set-aside rows the given keys can read again — the
lost key found and listed — are brought back to pending, so the relay
delivers them; those still unreadable stay set aside.

Nothing here needs a key except rotation: the listing shows references,
states and times, never an application.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cases.crypto import FieldCipher
from cases.errors import CaseError, DecryptionFailed
from cases.local_db import LocalDatabase
from cases.model import utc_now
from cases.outbox import SCHEMA
from cases.outbox_entries import FINAL_STATES, OutboxEntry, OutboxState, entry, iso


class WaitingUnreadable(CaseError):
    """Waiting applications none of the given keys can read; nothing was changed."""

    def __init__(self, count: int) -> None:
        super().__init__(f"{count} waiting outbox entries cannot be decrypted with the given keys")
        self.count = count


@dataclass(frozen=True)
class Rotation:
    rotated: int  # waiting applications now under the first key
    revived: int  # set-aside applications readable again, back to pending
    still_set_aside: int  # set-aside applications none of the keys can read


def rotate(path: Path, cipher: FieldCipher, *, now: datetime | None = None) -> Rotation:
    """Re-encrypt every stored application in the outbox at `path` with the first key."""
    database = LocalDatabase(path, SCHEMA)
    due = iso(now or utc_now())
    rotated = revived = still_set_aside = unreadable = 0
    try:
        with database.transaction() as connection:
            rows = connection.execute(
                "SELECT key, state, payload FROM outbox WHERE payload IS NOT NULL"
            ).fetchall()
            for row in rows:
                waiting = row["state"] == OutboxState.PENDING.value
                try:
                    payload = cipher.rotate(row["payload"])
                except DecryptionFailed:
                    if waiting:
                        unreadable += 1
                    else:
                        still_set_aside += 1
                    continue
                if waiting:
                    connection.execute(
                        "UPDATE outbox SET payload = ? WHERE key = ?", (payload, row["key"])
                    )
                    rotated += 1
                elif row["state"] == OutboxState.SET_ASIDE.value:
                    connection.execute(
                        "UPDATE outbox SET payload = ?, state = ?, last_error = NULL,"
                        " next_attempt_at = ? WHERE key = ?",
                        (payload, OutboxState.PENDING.value, due, row["key"]),
                    )
                    revived += 1
            if unreadable:
                raise WaitingUnreadable(unreadable)  # rolls the whole rotation back
    finally:
        database.close()
    return Rotation(rotated=rotated, revived=revived, still_set_aside=still_set_aside)


@dataclass(frozen=True)
class OutboxReport:
    counts: dict[OutboxState, int]
    attention: list[OutboxEntry]  # waiting or set aside, oldest first


def report(path: Path) -> OutboxReport:
    """How many entries are in each state, and the ones an operator may need to look at."""
    database = LocalDatabase(path, SCHEMA)
    try:
        connection = database.read()
        counted = dict(
            connection.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()
        )
        rows = connection.execute(
            "SELECT * FROM outbox WHERE state IN (?, ?) ORDER BY created_at",
            (OutboxState.SET_ASIDE.value, OutboxState.PENDING.value),
        ).fetchall()
        return OutboxReport(
            counts={state: int(counted.get(state.value, 0)) for state in OutboxState},
            attention=[entry(row) for row in rows],
        )
    finally:
        database.close()


def forget(path: Path, case_numbers: list[str], before: datetime, *, dry_run: bool = False) -> int:
    """Delete the rows that serve nothing any more; return how many (would) go.

    A row of a purged case (`case_numbers`) would still tie its number to the
    hashed conversation and the phone digest; a settled row (delivered,
    conflict, rejected) written before `before` is past the retention period
    too. Waiting and set-aside rows stay, however old: they are applications
    not yet delivered.
    """
    database = LocalDatabase(path, SCHEMA)
    try:
        with database.transaction() as connection:
            settled = ", ".join("?" for _ in FINAL_STATES)
            old = f"state IN ({settled}) AND created_at < ?"
            arguments: list[str] = [*FINAL_STATES, iso(before)]
            found = {
                row[0]
                for row in connection.execute(f"SELECT key FROM outbox WHERE {old}", arguments)  # noqa: S608
            }
            for start in range(0, len(case_numbers), 500):
                batch = case_numbers[start : start + 500]
                marks = ", ".join("?" for _ in batch)
                query = f"SELECT key FROM outbox WHERE case_number IN ({marks})"  # noqa: S608
                found |= {row[0] for row in connection.execute(query, batch)}
            if not dry_run:
                connection.executemany("DELETE FROM outbox WHERE key = ?", [(k,) for k in found])
        return len(found)
    finally:
        database.close()
