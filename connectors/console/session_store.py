"""Agents' sessions, kept server-side in the console database.

The browser holds only a random token (256 bits) in a cookie; the database
holds its SHA-256, the account, a CSRF token and two times. A session ends
when it has not been used for the idle timeout, when it is older than the
absolute lifetime, on sign-out, and when its account is disabled, removed or
given a new password (by the account CLI, from another process — why this is
SQLite and not memory; it also keeps agents signed in across a restart).

Every request of a signed-in agent reads its session; the search box sends
one request per pause in typing, so `last_seen_at` is written at most every
`TOUCH_SECONDS` rather than on each request: the idle timeout is counted in
minutes, and a write per keystroke would buy nothing.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass

from connectors.console.account_store import Account
from connectors.console.db import ConsoleDatabase

TOKEN_BYTES = 32
TOUCH_SECONDS = 15.0
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # token_urlsafe(32)


@dataclass(frozen=True)
class AgentSession:
    """A signed-in agent, as a request sees it."""

    account_id: int
    name: str
    csrf_token: str
    created_at: float
    last_seen_at: float


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


class SessionStore:
    """Sessions with an idle timeout and an absolute lifetime.

    Args:
        db: the console database.
        idle_seconds: a session unused this long is over.
        lifetime_seconds: a session this old is over, used or not.
        clock: wall-clock seconds; injected so tests need not wait.
    """

    def __init__(
        self,
        db: ConsoleDatabase,
        idle_seconds: float,
        lifetime_seconds: float,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.idle_seconds = idle_seconds
        self.lifetime_seconds = lifetime_seconds
        self._clock = clock

    def create(self, account: Account) -> tuple[str, AgentSession]:
        """A new session for `account`: the cookie token and the session."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = self._clock()
        session = AgentSession(account.id, account.name, secrets.token_urlsafe(32), now, now)
        with self.db.connect() as connection:
            self._sweep(connection, now)
            connection.execute(
                "INSERT INTO sessions (token_hash, account_id, csrf_token, created_at,"
                " last_seen_at) VALUES (?, ?, ?, ?, ?)",
                (_digest(token), account.id, session.csrf_token, now, now),
            )
        return token, session

    def resolve(self, token: str | None) -> AgentSession | None:
        """The live session behind a cookie value, or None (and an expired one is deleted)."""
        if token is None or not _TOKEN.fullmatch(token):
            return None
        digest = _digest(token)
        now = self._clock()
        with self.db.connect() as connection:
            row = connection.execute(
                "SELECT s.account_id, a.name, s.csrf_token, s.created_at, s.last_seen_at"
                " FROM sessions AS s JOIN accounts AS a ON a.id = s.account_id"
                " WHERE s.token_hash = ? AND a.disabled = 0",
                (digest,),
            ).fetchone()
            if row is None:
                return None
            session = AgentSession(
                int(row[0]), str(row[1]), str(row[2]), float(row[3]), float(row[4])
            )
            if self._expired(session, now):
                connection.execute("DELETE FROM sessions WHERE token_hash = ?", (digest,))
                return None
            if now - session.last_seen_at >= TOUCH_SECONDS:
                connection.execute(
                    "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?", (now, digest)
                )
        return session

    def end(self, token: str | None) -> None:
        """Sign out: the session is gone whatever the browser does with its cookie."""
        if token is not None and _TOKEN.fullmatch(token):
            with self.db.connect() as connection:
                connection.execute("DELETE FROM sessions WHERE token_hash = ?", (_digest(token),))

    def _expired(self, session: AgentSession, now: float) -> bool:
        return (
            now - session.last_seen_at > self.idle_seconds
            or now - session.created_at > self.lifetime_seconds
        )

    def _sweep(self, connection: sqlite3.Connection, now: float) -> None:
        """Delete every expired session, so the table holds live ones only."""
        connection.execute(
            "DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?",
            (now - self.idle_seconds, now - self.lifetime_seconds),
        )
