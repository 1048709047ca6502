"""Each signed WeChat request is acted on once: (timestamp, nonce) pairs are remembered.

In plain mode (明文模式) WeChat's `signature` covers the token, timestamp and
nonce, not the body; in safe mode `msg_signature` covers the ciphertext. A
signed query string is thus a pass for any plain-mode body, and any request
can be sent again as it was, until its timestamp leaves WECHAT_MAX_CLOCK_SKEW.
So each pair is remembered, with a digest of its body, until exactly then
(the timestamp plus the window: a timestamp ahead of our clock stays valid
longer than one behind it):

* a new pair: the request is handled;
* a known pair with the same body: WeChat (or someone) sending the very same
  request again. It may only share the turn that request started (webhook.py
  and channel.py), never start anything;
* a known pair with another body: a forgery, refused.

`ReplayCache` is the small interface the channel holds, so that several
gateway processes can share one store (Redis: `SET key digest NX EXAT t`,
then `GET` when that fails). `MemoryReplayCache` serves one process.
"""

from __future__ import annotations

import enum
import hashlib
import heapq
import logging
import time
from collections.abc import Callable
from typing import Protocol

from connectors.wechat.errors import ReplayRefused

log = logging.getLogger(__name__)

MAX_ENTRIES = 100_000  # about 330 requests a second for five minutes
WINDOW_WITHOUT_SKEW = 300.0  # how long a pair is kept when WECHAT_MAX_CLOCK_SKEW is 0


class ReplayCache(Protocol):
    """Remembers request keys (timestamp and nonce) with the digest of their body."""

    async def remember(self, key: str, fingerprint: str, expires_at: float) -> str | None:
        """Keep `fingerprint` under `key` until `expires_at` (Unix time) unless `key` is known.

        Returns:
            None when `key` was new (and is now kept), else the fingerprint kept first.
        """
        ...


class Seen(enum.Enum):
    """What the cache knew of a request."""

    NEW = "new"
    REPEAT = "repeat"  # the same request again: it may share a turn, never start one


class MemoryReplayCache:
    """`ReplayCache` in this process's memory: bounded, entries dropped as they expire.

    When full (more than `max_entries` requests within the window), the entry
    closest to expiry is dropped, with a warning: only correctly signed
    requests are kept, so only WeChat's own traffic can fill it.
    """

    def __init__(
        self, max_entries: int = MAX_ENTRIES, clock: Callable[[], float] = time.time
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._entries: dict[str, tuple[str, float]] = {}
        self._expiry: list[tuple[float, str]] = []  # heap; stale rows skipped
        self._max_entries = max_entries
        self._clock = clock
        self._full_warned = False

    def __len__(self) -> int:
        return len(self._entries)

    async def remember(self, key: str, fingerprint: str, expires_at: float) -> str | None:
        self._drop_expired(self._clock())
        known = self._entries.get(key)
        if known is not None:
            return known[0]
        while len(self._entries) >= self._max_entries:
            self._drop_soonest()
        self._entries[key] = (fingerprint, expires_at)
        heapq.heappush(self._expiry, (expires_at, key))
        return None

    def _drop_expired(self, now: float) -> None:
        while self._expiry and self._expiry[0][0] <= now:
            self._pop()

    def _drop_soonest(self) -> None:
        if not self._full_warned:
            log.warning("WeChat replay cache full: dropping the entries closest to expiry")
            self._full_warned = True
        self._pop()

    def _pop(self) -> None:
        expires_at, key = heapq.heappop(self._expiry)
        entry = self._entries.get(key)
        if entry is not None and entry[1] == expires_at:
            del self._entries[key]


def fingerprint(body: bytes) -> str:
    """SHA-256 of the body as received."""
    return hashlib.sha256(body).hexdigest()


async def check_replay(
    cache: ReplayCache,
    timestamp: str,
    nonce: str,
    body: bytes,
    max_skew: float,
    clock: Callable[[], float] = time.time,
) -> Seen:
    """Whether this signed request is new or a repeat of the same one.

    Raises:
        ReplayRefused: the pair was used before with another body.
    """
    # With a window, the timestamp itself is refused after `expires_at`.
    expires_at = int(timestamp) + max_skew + 1.0 if max_skew else clock() + WINDOW_WITHOUT_SKEW
    digest = fingerprint(body)
    first = await cache.remember(f"{timestamp}:{nonce}", digest, expires_at)
    if first is None:
        return Seen.NEW
    if first != digest:
        raise ReplayRefused("timestamp and nonce already used with another body")
    return Seen.REPEAT
