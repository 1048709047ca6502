"""Failed sign-ins, counted per account name and per client address.

Only failures count: an agent who signs in a dozen times a day is never
slowed. After `limit` failures within `window` seconds the name (or the
address) is refused until the oldest of them is older than the window, and
then it is refused even with the right password, so guessing gains nothing
by continuing. Names that do not exist are counted exactly like real ones:
a lockout must not reveal which names are accounts. A success clears the
name's count (not the address's: one right password from an office does not
excuse the guesses made from it).

In memory, per process, bounded: a flood of made-up names drops the oldest
counts first. A restart forgets the counts, which costs an attacker a
restart of our process — not something they control.
"""

from __future__ import annotations

import asyncio
import time
import unicodedata
from collections import OrderedDict, deque
from collections.abc import Callable

from connectors.console.errors import SignInThrottled

Clock = Callable[[], float]

ACCOUNT_FAILURES = 5  # within ACCOUNT_WINDOW
ACCOUNT_WINDOW = 15 * 60.0
ADDRESS_FAILURES = 20  # an office behind one address has several agents
ADDRESS_WINDOW = 15 * 60.0
CONCURRENT_CHECKS = 2


class FailureWindow:
    """Failure times per key within a sliding window.

    Args:
        limit: failures allowed within `window`; the next attempt is refused.
        window: seconds.
        max_keys: the most keys remembered at once.
        clock: monotonic seconds.
    """

    def __init__(
        self, limit: int, window: float, *, max_keys: int = 10_000, clock: Clock = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._max_keys = max_keys
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, key: str) -> float:
        """0.0 when `key` may try now, else seconds until it may."""
        times = self._recent(key, self._clock())
        if times is None or len(times) < self.limit:
            return 0.0
        return max(times[0] + self.window - self._clock(), 0.001)

    def fail(self, key: str) -> None:
        now = self._clock()
        times = self._recent(key, now)
        if times is None:
            if len(self._failures) >= self._max_keys:
                self._failures.popitem(last=False)
            times = self._failures[key] = deque(maxlen=self.limit)
        times.append(now)
        self._failures.move_to_end(key)

    def clear(self, key: str) -> None:
        self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and now - times[0] >= self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times


def name_key(name: str) -> str:
    """How a typed name is counted: as the store would find it (NFKC, any case)."""
    return unicodedata.normalize("NFKC", name).strip().casefold()[:64]


class SignInThrottle:
    """The per-name and per-address windows of failed sign-ins.

    `slots` bounds how many password checks run at once (each is ~50 ms of
    CPU and 16 MiB): a burst of sign-ins queues instead of taking every
    worker thread from the searches, and each waits its turn before its
    name and address are checked, so parallel guesses cannot all slip in
    before the first failure is counted.
    """

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self.by_name = FailureWindow(ACCOUNT_FAILURES, ACCOUNT_WINDOW, clock=clock)
        self.by_address = FailureWindow(ADDRESS_FAILURES, ADDRESS_WINDOW, clock=clock)
        self.slots = asyncio.Semaphore(CONCURRENT_CHECKS)

    def check(self, name: str, address: str | None) -> None:
        """Raise SignInThrottled when the name or the address has failed too often."""
        if address is not None:
            wait = self.by_address.retry_after(address)
            if wait:
                raise SignInThrottled("address", wait)
        wait = self.by_name.retry_after(name_key(name))
        if wait:
            raise SignInThrottled("name", wait)

    def failed(self, name: str, address: str | None) -> None:
        self.by_name.fail(name_key(name))
        if address is not None:
            self.by_address.fail(address)

    def succeeded(self, name: str) -> None:
        self.by_name.clear(name_key(name))
