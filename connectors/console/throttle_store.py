"""The sign-in throttle's rows in the console database (policy: throttle.py).

In the database rather than in memory because the account CLI, another
process, must be able to lift a delay (`accounts unlock`), and because a
restart must not hand a guesser a fresh start. Every function works inside
the caller's transaction, so a check or a failure is one short transaction.

Names and addresses are stored as keyed hashes (HMAC-SHA-256 with a random
key kept in the same file), never as typed: people type passwords into the
name field, and this table should not be a list of them. A copy of the file
with its key still allows guessing offline, so rows also go away when they
no longer matter (see `add_failure`).

At most `max_keys` rows per scope. When a new row needs room, rows that have
stopped mattering go first, then rows that delay no one (oldest first), and
only then rows that delay someone (the one whose delay ends soonest first):
junk traffic can push out counts, never an active delay before them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    """What a row counts failures of."""

    PAIR = "pair"  # one name from one address
    NAME = "name"  # one name from anywhere
    ADDRESS = "address"  # one address, any name


@dataclass(frozen=True)
class Backoff:
    """Growing delays: none for the first `free` failures, then `base`, doubling, to `cap`.

    A run of failures is forgotten `forget` seconds after its latest one.
    """

    free: int
    base: float
    cap: float
    forget: float

    def delay(self, failures: int) -> float:
        if failures <= self.free:
            return 0.0
        return float(min(self.base * 2 ** min(failures - self.free - 1, 30), self.cap))


class Keyring:
    """Turns names and addresses into the keys stored (see module docstring)."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def key(self, kind: str, text: str) -> str:
        message = f"{kind}\x00{text}".encode("utf-8", "surrogatepass")
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]


def keyring(connection: sqlite3.Connection) -> Keyring:
    """The file's hashing key, made on first use (one for the gateway and the CLI alike)."""
    row = connection.execute("SELECT secret FROM throttle_key WHERE id = 1").fetchone()
    if row is None:
        connection.execute(
            "INSERT OR IGNORE INTO throttle_key (id, secret) VALUES (1, ?)",
            (secrets.token_hex(32),),
        )
        row = connection.execute("SELECT secret FROM throttle_key WHERE id = 1").fetchone()
    return Keyring(bytes.fromhex(str(row[0])))


def blocked_until(connection: sqlite3.Connection, scope: Scope, name: str, address: str) -> float:
    """When the row's delay ends (Unix seconds); 0.0 when there is no row."""
    row = connection.execute(
        "SELECT blocked_until FROM sign_in_failures"
        " WHERE scope = ? AND name_key = ? AND address_key = ?",
        (scope.value, name, address),
    ).fetchone()
    return 0.0 if row is None else float(row[0])


def add_failure(
    connection: sqlite3.Connection,
    scope: Scope,
    name: str,
    address: str,
    backoff: Backoff,
    now: float,
    max_keys: int,
) -> float:
    """Count one failure; returns the delay it sets (seconds from `now`)."""
    row = connection.execute(
        "SELECT failures, last_at FROM sign_in_failures"
        " WHERE scope = ? AND name_key = ? AND address_key = ?",
        (scope.value, name, address),
    ).fetchone()
    running = row is not None and now - float(row[1]) < backoff.forget
    failures = int(row[0]) + 1 if row is not None and running else 1
    if row is None:
        _make_room(connection, scope, backoff, now, max_keys)
    delay = backoff.delay(failures)
    # An upsert, not INSERT OR REPLACE: REPLACE deletes without telling the
    # triggers that keep the row count.
    connection.execute(
        "INSERT INTO sign_in_failures"
        " (scope, name_key, address_key, failures, last_at, blocked_until)"
        " VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (scope, name_key, address_key) DO UPDATE SET"
        " failures = excluded.failures, last_at = excluded.last_at,"
        " blocked_until = excluded.blocked_until",
        (scope.value, name, address, failures, now, now + delay),
    )
    return delay


def _make_room(
    connection: sqlite3.Connection, scope: Scope, backoff: Backoff, now: float, max_keys: int
) -> None:
    """Leave fewer than `max_keys` rows of `scope`, removing the least useful first.

    The row count is kept by triggers (db.py) and every step walks an index,
    so a failure costs the same with 10 000 rows as with ten.
    """
    count = int(
        connection.execute(
            "SELECT rows FROM sign_in_rows WHERE scope = ?", (scope.value,)
        ).fetchone()[0]
    )
    if count < max_keys:
        return
    connection.execute(
        "DELETE FROM sign_in_failures WHERE scope = ? AND last_at < ? AND blocked_until <= ?",
        (scope.value, now - backoff.forget, now),
    )
    excess = count - connection.execute("SELECT changes()").fetchone()[0] - max_keys + 1
    # Rows delaying no one, the oldest count first (walking the age index: left
    # to itself SQLite would sort every such row); then delays, the soonest over first.
    for index, which, order in (
        ("sign_in_failures_by_age", "blocked_until <= ?", "last_at"),
        ("sign_in_failures_by_end", "blocked_until > ?", "blocked_until"),
    ):
        if excess <= 0:
            return
        connection.execute(
            "DELETE FROM sign_in_failures WHERE rowid IN ("  # noqa: S608 - constant SQL
            f" SELECT rowid FROM sign_in_failures INDEXED BY {index}"
            f" WHERE scope = ? AND {which} ORDER BY {order} LIMIT ?)",
            (scope.value, now, excess),
        )
        excess -= connection.execute("SELECT changes()").fetchone()[0]


def clear_pair(connection: sqlite3.Connection, name: str, address: str) -> None:
    connection.execute(
        "DELETE FROM sign_in_failures WHERE scope = ? AND name_key = ? AND address_key = ?",
        (Scope.PAIR.value, name, address),
    )


def clear_name(connection: sqlite3.Connection, name: str) -> int:
    """Forget every count of the name (alone and from each address); how many rows went."""
    connection.execute(
        "DELETE FROM sign_in_failures WHERE scope IN (?, ?) AND name_key = ?",
        (Scope.PAIR.value, Scope.NAME.value, name),
    )
    return int(connection.execute("SELECT changes()").fetchone()[0])


def is_known(connection: sqlite3.Connection, name: str, address: str, since: float) -> bool:
    """Whether the name signed in from the address after `since`."""
    row = connection.execute(
        "SELECT 1 FROM sign_in_known WHERE name_key = ? AND address_key = ? AND at >= ?",
        (name, address, since),
    ).fetchone()
    return row is not None


def remember_known(
    connection: sqlite3.Connection,
    name: str,
    address: str,
    now: float,
    since: float,
    max_keys: int,
) -> None:
    """Note a sign-in; forget those before `since` and all but the newest `max_keys`."""
    connection.execute(
        "INSERT OR REPLACE INTO sign_in_known (name_key, address_key, at) VALUES (?, ?, ?)",
        (name, address, now),
    )
    connection.execute("DELETE FROM sign_in_known WHERE at < ?", (since,))
    connection.execute(
        "DELETE FROM sign_in_known WHERE rowid IN ("
        " SELECT rowid FROM sign_in_known ORDER BY at DESC LIMIT -1 OFFSET ?)",
        (max_keys,),
    )
