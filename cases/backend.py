"""The one interface every case system is reached through.

The bot does not know whether a case lands in the built-in SQL store or in the
centre's own case system behind an HTTP API; both promise the same things:

* `create` with an idempotency key is safe to repeat: the same key and the
  same application return the first record; the same key with a different
  application raises IdempotencyConflict.
* A backend that cannot be reached raises BackendUnavailable — never a
  half-answer — and the caller may retry with the same key.
"""

from __future__ import annotations

from typing import Protocol

from cases.model import CaseApplication, CaseRecord, CaseStatus


class CaseBackend(Protocol):
    async def create(self, application: CaseApplication, *, idempotency_key: str) -> CaseRecord:
        """Record the application once per key; return the record."""
        ...

    async def get(self, case_number: str) -> CaseRecord | None:
        """The case with this number, or None."""
        ...

    async def update_status(
        self, case_number: str, status: CaseStatus, *, note: str = "", actor: str = "system"
    ) -> CaseRecord:
        """Move the case to `status`; CaseNotFound or InvalidTransition if it cannot."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
