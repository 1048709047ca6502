"""Fault injection for the reference case system: failures on demand, for tests only.

The client's promises (retry on 5xx/429, give up within its budget, never a
second case for one idempotency key) are about what happens when the case
system misbehaves. A test makes it misbehave on purpose with a `FaultPlan`,
set by `POST /_faults` (only served when the server was started with
CASE_SERVER_FAULTS=1) or directly on the object an in-process test handed
to `make_app`.

Faults touch only `POST /api/v1/cases`: that is the call whose exactly-once
promise they exist to test. Each create request takes its share of the plan
when it arrives, in this order:

1. `delay_before` seconds of sleep, for the next `times` creates (a slow
   server: the request has been received, nothing is done yet);
2. an answer of `fail_status` (503 by default, or 429, with `Retry-After:
   retry_after` when set), for the next `fail_next` creates, without storing
   anything;
3. otherwise the case is stored as usual, and then the answer is held back
   `delay_after_commit` seconds, for the next `times` creates — the record
   exists but the client times out before it hears so.

A new plan replaces the old one whole; `DELETE /_faults` clears it. Both reset
`creates_seen`, the count of create requests that reached the handler since,
which tests read to count the client's attempts from the server's side.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# A fault that holds a request for minutes would hold the test run with it.
MAX_DELAY = 60.0
_COUNTS = ("fail_next", "times")
_SECONDS = ("delay_before", "delay_after_commit")
FIELDS = frozenset({*_COUNTS, *_SECONDS, "fail_status", "retry_after"})


@dataclass(frozen=True)
class Injection:
    """What the plan does to one create request."""

    delay_before: float = 0.0
    fail_status: int | None = None
    retry_after: float | None = None
    delay_after_commit: float = 0.0


NO_FAULT = Injection()


class FaultPlan:
    """The faults still to be served, and how many creates arrived since it was set.

    Lives in the server's event loop: `take` runs without awaiting, so two
    concurrent requests never take one slot twice.
    """

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.fail_next = 0
        self.fail_status = 503
        self.retry_after: float | None = None
        self.delay_before = 0.0
        self.delay_after_commit = 0.0
        self.times = 0
        self.creates_seen = 0

    def configure(self, data: Mapping[str, Any]) -> None:
        """Replace the plan with the one described by `data` (the JSON of POST /_faults).

        Raises:
            ValueError: an unknown field or a value out of range; the plan is unchanged.
        """
        if not isinstance(data, Mapping):
            raise ValueError("the fault plan must be a JSON object")
        unknown = sorted(set(data) - FIELDS)
        if unknown:
            # A misspelt field would otherwise be a plan that silently does nothing.
            raise ValueError(f"unknown fault fields: {', '.join(unknown)}")
        counts = {name: _count(data, name) for name in _COUNTS}
        seconds = {name: _seconds(data, name) for name in _SECONDS}
        status = data.get("fail_status", 503)
        if not isinstance(status, int) or isinstance(status, bool):
            raise ValueError("fail_status must be an integer")
        if status != 429 and not 500 <= status <= 599:
            raise ValueError("fail_status must be 429 or 5xx: the statuses a client retries")
        retry_after = data.get("retry_after")
        if retry_after is not None:
            retry_after = _seconds(data, "retry_after")
        if "times" not in data and any(seconds.values()):
            counts["times"] = 1
        self.clear()
        self.fail_next, self.times = counts["fail_next"], counts["times"]
        self.delay_before = seconds["delay_before"]
        self.delay_after_commit = seconds["delay_after_commit"]
        self.fail_status, self.retry_after = status, retry_after

    def take(self) -> Injection:
        """Count one create request and hand it its share of the plan."""
        self.creates_seen += 1
        delay_before = delay_after_commit = 0.0
        if self.times > 0:
            self.times -= 1
            delay_before, delay_after_commit = self.delay_before, self.delay_after_commit
        fail_status: int | None = None
        if self.fail_next > 0:
            self.fail_next -= 1
            fail_status = self.fail_status
        if not (delay_before or delay_after_commit or fail_status):
            return NO_FAULT
        return Injection(
            delay_before=delay_before,
            fail_status=fail_status,
            retry_after=self.retry_after if fail_status else None,
            delay_after_commit=delay_after_commit,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "fail_next": self.fail_next,
            "fail_status": self.fail_status,
            "retry_after": self.retry_after,
            "delay_before": self.delay_before,
            "delay_after_commit": self.delay_after_commit,
            "times": self.times,
            "creates_seen": self.creates_seen,
        }


def _count(data: Mapping[str, Any], name: str) -> int:
    value = data.get(name, 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be a whole number >= 0")
    return value


def _seconds(data: Mapping[str, Any], name: str) -> float:
    value = data.get(name, 0.0)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ValueError(f"{name} must be a number of seconds")
    if not 0 <= value <= MAX_DELAY:
        raise ValueError(f"{name} must be between 0 and {MAX_DELAY:g} seconds")
    return float(value)
