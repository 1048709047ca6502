"""Token buckets in memory, one per key (a client IP, a conversation).

A bucket holds up to `per_minute` tokens and gains `per_minute / 60` tokens a
second; each request takes one. A person asking a question now and then never
notices it, a burst up to the full bucket is fine (a few quick button taps),
and a script is held to the steady rate.

Memory follows the number of keys active within the last refill period, not
the number ever seen: a bucket that has been idle long enough to refill
completely is the same as no bucket, so it is dropped. Keys are kept in order
of last use, which makes that cleanup a walk from the oldest end that stops at
the first recent key. A hard cap (`max_keys`) bounds memory under a flood of
distinct keys; the least recently used bucket is then dropped early, which at
worst gives that key a fresh bucket.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass
class _Bucket:
    tokens: float
    updated: float


class KeyedBuckets:
    """A token bucket per key, created full on first use.

    Args:
        per_minute: bucket size, and tokens regained per minute; must be positive.
        max_keys: the most buckets kept at once.
        clock: monotonic seconds; injected so tests need not sleep.
    """

    def __init__(
        self, per_minute: int, *, max_keys: int = 10_000, clock: Clock = time.monotonic
    ) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        if max_keys <= 0:
            raise ValueError("max_keys must be positive")
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0  # tokens per second
        self._refill_time = self.capacity / self.rate  # empty to full, seconds
        self._max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str) -> float:
        """Take one token from `key`'s bucket.

        Returns:
            0.0 when the request may go ahead, else the seconds until a token is
            back (the request is refused and nothing is taken).
        """
        now = self._clock()
        self._forget_idle(now)
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_keys:
                self._buckets.popitem(last=False)
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        else:
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(self.capacity, bucket.tokens + elapsed * self.rate)
            bucket.updated = now
            self._buckets.move_to_end(key)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate

    def _forget_idle(self, now: float) -> None:
        """Drop the buckets that are full again: they hold nothing a new one would not."""
        while self._buckets:
            oldest = next(iter(self._buckets.values()))
            if now - oldest.updated < self._refill_time:
                return
            self._buckets.popitem(last=False)
