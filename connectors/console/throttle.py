"""Failed console sign-ins: guessing is slowed, and no stranger can lock an agent out.

The threat is two-sided. A guesser must get few tries at a password; but a
lockout per name, as this module once had, lets anyone who knows an agent's
name keep the hotline out of the console with five wrong passwords every
quarter of an hour. So nothing here locks; three counts impose delays that
grow with failures and end by themselves:

    count                         free   then waits          at most  forgotten after
    one name from one address       3    5 s, 10 s, 20 s …   15 min   24 h without a failure
    one address, any name (spray)  20    5 s, 10 s, 20 s …   15 min   1 h without a failure
    one name, any address          10    1 s, 2 s, 4 s …     60 s     24 h without a failure

While a count delays, every attempt it covers is refused (429 with
Retry-After), the right password included — else guessing would go on at
full speed through the delay. Only failures count; a refused attempt is not a
guess and counts nothing. A success clears the count of that name from that
address, not the others.

Why a stranger cannot keep an agent out:
- the first count is the stranger's own (name *and* their address);
- the second hurts only the address that sprays;
- the third is the only one a stranger can raise for the agent, so it is
  bounded — at most 60 s after the latest failure — and it does not apply at
  all from an address where the name signed in within the last 30 days (the
  agent's usual desk). An attacker with many addresses who fires exactly as
  each delay ends can keep the agent waiting from minute to minute on an
  address new to them; `python -m connectors.console.accounts unlock <姓名>`
  clears the name's counts, and the usual address is never delayed by others.

What a guesser gets: from one address about four tries, then one every
15 minutes (under a hundred a day); from many addresses against one name,
ten tries and then at most one a minute (1 440 a day) — against passwords of
10 characters or more, hashed with scrypt. Unknown names are counted exactly
like real ones: a delay must not reveal which names are accounts. A local
process (no client address: a trusted proxy without X-Forwarded-For) has no
address count.

The counts live in the console database (throttle_store.py) so that the
account CLI, another process, can lift them at once and a restart gives a
guesser no fresh start; at most 10 000 rows per count, and junk traffic can
never push out a row that is delaying someone before rows that are not.
`slots` bounds how many password checks run at once (each ~50 ms of CPU and
16 MiB), so a burst of sign-ins queues instead of taking every worker thread,
and parallel guesses cannot all slip in before the first failure is counted.
"""

from __future__ import annotations

import asyncio
import time
import unicodedata
from collections.abc import Callable

from connectors.console.db import ConsoleDatabase
from connectors.console.errors import SignInThrottled
from connectors.console.throttle_store import (
    Backoff,
    Keyring,
    Scope,
    add_failure,
    blocked_until,
    clear_name,
    clear_pair,
    is_known,
    keyring,
    remember_known,
)

Clock = Callable[[], float]

PAIR = Backoff(free=3, base=5.0, cap=15 * 60.0, forget=24 * 3600.0)
ADDRESS = Backoff(free=20, base=5.0, cap=15 * 60.0, forget=3600.0)
NAME = Backoff(free=10, base=1.0, cap=60.0, forget=24 * 3600.0)
BACKOFFS = {Scope.PAIR: PAIR, Scope.ADDRESS: ADDRESS, Scope.NAME: NAME}
KNOWN_FOR = 30 * 86400.0  # an address where the name signed in is its own this long
MAX_KEYS = 10_000  # rows per count
CONCURRENT_CHECKS = 2
LOCAL = "local"  # the address of a local process, for the per-name-and-address count


class SignInDelayed(SignInThrottled):
    """`sign_in_throttled`, telling the wait in seconds when it is under a minute."""

    def __init__(self, scope: str, retry_after: float) -> None:
        super().__init__(scope, retry_after)
        if self.retry_after < 60:
            self.message = f"登录失败次数过多，请 {self.retry_after} 秒后再试。"


def name_key(name: str) -> str:
    """How a typed name is counted: as the store would find it (NFKC, any case)."""
    return unicodedata.normalize("NFKC", name).strip().casefold()[:64]


def _keys(keys: Keyring, name: str, address: str | None) -> tuple[str, str]:
    return keys.key("name", name_key(name)), keys.key("address", address or LOCAL)


class SignInThrottle:
    """The policy above, over the console database passed to each call (blocking).

    Args:
        clock: wall-clock seconds (the CLI and other processes share the rows).
        max_keys: rows kept per count.
    """

    def __init__(self, clock: Clock = time.time, *, max_keys: int = MAX_KEYS) -> None:
        self._clock = clock
        self._max_keys = max_keys
        self.slots = asyncio.Semaphore(CONCURRENT_CHECKS)

    def check(self, db: ConsoleDatabase, name: str, address: str | None) -> None:
        """Raise SignInDelayed when a count covering this attempt is delaying it."""
        now = self._clock()
        with db.connect() as connection:
            named, placed = _keys(keyring(connection), name, address)
            waits = {Scope.PAIR: blocked_until(connection, Scope.PAIR, named, placed)}
            if address is not None:
                waits[Scope.ADDRESS] = blocked_until(connection, Scope.ADDRESS, "", placed)
            if not is_known(connection, named, placed, now - KNOWN_FOR):
                waits[Scope.NAME] = blocked_until(connection, Scope.NAME, named, "")
        scope, until = max(waits.items(), key=lambda item: item[1])
        if until > now:
            raise SignInDelayed(scope.value, until - now)

    def failed(self, db: ConsoleDatabase, name: str, address: str | None) -> None:
        """Count one wrong password (or unknown name, or disabled account)."""
        now = self._clock()
        with db.connect() as connection:
            connection.execute("BEGIN IMMEDIATE")  # read, add one, write: not two at once
            named, placed = _keys(keyring(connection), name, address)
            rows = [(Scope.PAIR, named, placed), (Scope.NAME, named, "")]
            if address is not None:
                rows.append((Scope.ADDRESS, "", placed))
            for scope, row_name, row_address in rows:
                add_failure(
                    connection,
                    scope,
                    row_name,
                    row_address,
                    BACKOFFS[scope],
                    now,
                    self._max_keys,
                )

    def succeeded(self, db: ConsoleDatabase, name: str, address: str | None) -> None:
        """Clear this name's count from this address, and note the address as the name's own."""
        now = self._clock()
        with db.connect() as connection:
            named, placed = _keys(keyring(connection), name, address)
            clear_pair(connection, named, placed)
            remember_known(connection, named, placed, now, now - KNOWN_FOR, self._max_keys)


def unlock(db: ConsoleDatabase, name: str) -> int:
    """Forget every failure counted for `name` (alone and from any address); rows removed.

    The counts of addresses that sprayed many names stay: they are not the agent's.
    """
    with db.connect() as connection:
        named, _ = _keys(keyring(connection), name, None)
        return clear_name(connection, named)
