"""The case desk: how a confirmed application becomes exactly one case.

    submit ─► outbox (write-ahead, throttled) ─► backend.create(key) within the budget
                 │                                  ├─ record     → Submitted(number)
                 │                                  ├─ conflict   → Conflict (ask again)
                 │                                  ├─ invalid    → Rejected
                 │                                  └─ down/slow  → Queued(reference)
                 └─ relay (background) delivers Queued entries later, same key;
                    an entry it cannot read is set aside for the operator

Repeats are recognised twice over: by the idempotency key (Rasa re-running
the action, a gateway retry of the same request) and by the conversation plus
the application's fingerprint (the person sending 确认 again as a new
message) — either way the earlier entry, and so the earlier key, is reused.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from cases.backend import CaseBackend
from cases.errors import (
    BackendUnavailable,
    DecryptionFailed,
    IdempotencyConflict,
    InvalidApplication,
)
from cases.model import CaseApplication, CaseRecord
from cases.outbox import Outbox, OutboxEntry, OutboxState, Throttled

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Submitted:
    """The case system confirmed the record."""

    case_number: str
    reference: str


@dataclass(frozen=True)
class Queued:
    """Safely stored, not yet confirmed; the relay will deliver it."""

    reference: str


@dataclass(frozen=True)
class Conflict:
    """The key belongs to another application: nothing was recorded for this one."""


@dataclass(frozen=True)
class Rejected:
    """The case system refused the application as invalid."""

    problems: tuple[str, ...]


@dataclass(frozen=True)
class Limited:
    """Too many applications from this conversation or phone number lately."""

    limit: int


Outcome = Submitted | Queued | Conflict | Rejected | Limited


class CaseDesk:
    def __init__(
        self,
        backend: CaseBackend,
        outbox: Outbox,
        *,
        budget: float,
        max_per_sender: int = 3,
        window: timedelta = timedelta(hours=24),
    ) -> None:
        self._backend = backend
        self._outbox = outbox
        self._budget = budget
        self._max_per_sender = max_per_sender
        self._window = window
        self._relay_lock = asyncio.Lock()

    @property
    def backend(self) -> CaseBackend:
        return self._backend

    @property
    def outbox(self) -> Outbox:
        return self._outbox

    async def submit(self, application: CaseApplication, *, key: str, sender: str) -> Outcome:
        application.validate()
        earlier = await asyncio.to_thread(self._outbox.get, key)
        if earlier is None:
            earlier = await asyncio.to_thread(self._outbox.find, sender, application.fingerprint())
        if earlier is not None and earlier.fingerprint == application.fingerprint():
            return await self._resume(earlier, application)
        try:
            entry = await asyncio.to_thread(
                self._outbox.add,
                key,
                sender,
                application,
                limit=self._max_per_sender,
                window=self._window,
                hold=timedelta(seconds=self._budget + 1),
            )
        except IdempotencyConflict:
            return Conflict()
        except Throttled:
            log.warning("application refused: limit of %d per day reached", self._max_per_sender)
            return Limited(self._max_per_sender)
        return await self._deliver(entry, application, announced=True)

    async def _resume(self, entry: OutboxEntry, application: CaseApplication) -> Outcome:
        if entry.state is OutboxState.DELIVERED and entry.case_number:
            await asyncio.to_thread(self._outbox.mark_announced, entry.key)
            return Submitted(entry.case_number, entry.reference)
        return await self._deliver(entry, application, announced=True)

    async def _deliver(
        self, entry: OutboxEntry, application: CaseApplication, *, announced: bool
    ) -> Outcome:
        try:
            async with asyncio.timeout(self._budget):
                record: CaseRecord = await self._backend.create(
                    application, idempotency_key=entry.key
                )
        except IdempotencyConflict:
            await self._settle(entry, OutboxState.CONFLICT, "IdempotencyConflict", announced)
            return Conflict()
        except InvalidApplication as exc:
            await self._settle(entry, OutboxState.REJECTED, "InvalidApplication", announced)
            return Rejected(tuple(exc.problems))
        except (BackendUnavailable, TimeoutError) as exc:
            log.warning(
                "case system unavailable (%s); %s queued", type(exc).__name__, entry.reference
            )
            await asyncio.to_thread(self._outbox.failed_attempt, entry.key, type(exc).__name__)
            return Queued(entry.reference)
        except Exception as exc:  # an unknown failure must not lose the application
            log.error("case delivery failed (%s); %s queued", type(exc).__name__, entry.reference)
            await asyncio.to_thread(self._outbox.failed_attempt, entry.key, type(exc).__name__)
            return Queued(entry.reference)
        await asyncio.to_thread(
            self._outbox.delivered, entry.key, record.case_number, announced=announced
        )
        log.info("%s recorded as case %s", entry.reference, record.case_number)
        return Submitted(record.case_number, entry.reference)

    async def _settle(
        self, entry: OutboxEntry, state: OutboxState, error: str, announced: bool
    ) -> None:
        await asyncio.to_thread(self._outbox.settle, entry.key, state, error)
        if announced:  # the person hears it now; the relay's refusals wait for news_for
            await asyncio.to_thread(self._outbox.mark_announced, entry.key)

    # -- the relay ---------------------------------------------------------------

    async def relay_once(self) -> int:
        """Deliver the entries that are due; return how many were delivered."""
        delivered = 0
        async with self._relay_lock:  # one pass at a time in this process
            for entry in await asyncio.to_thread(self._outbox.due):
                try:
                    application = await asyncio.to_thread(self._outbox.application, entry.key)
                except (DecryptionFailed, InvalidApplication, ValueError) as exc:
                    await self._set_aside(entry, type(exc).__name__)
                    continue
                if application is None:
                    continue
                outcome = await self._deliver(entry, application, announced=False)
                if isinstance(outcome, Submitted):
                    delivered += 1
        return delivered

    async def _set_aside(self, entry: OutboxEntry, error: str) -> None:
        """An entry no configured key can read (or that no longer parses) would stop the
        relay at the head of the queue for ever: leave it to the operator, go on."""
        await asyncio.to_thread(self._outbox.set_aside, entry.key, error)
        log.error(
            "outbox entry %s cannot be read (%s): set aside, the relay goes on; "
            "see `python -m cases outbox`",
            entry.reference,
            error,
        )

    async def run_relay(self, interval: float, stop: asyncio.Event) -> None:
        """Deliver due entries every `interval` seconds until `stop` is set."""
        while not stop.is_set():
            try:
                await self.relay_once()
            except Exception as exc:  # the relay must outlive any one failure
                log.error("outbox relay pass failed: %s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)

    # -- telling the person ------------------------------------------------------

    async def news_for(self, sender: str) -> list[OutboxEntry]:
        """Applications of this conversation that got their case number — or were
        refused by the case system — since the person was told they were queued."""
        return await asyncio.to_thread(self._outbox.unannounced, sender)

    async def waiting_for(self, sender: str) -> bool:
        """Whether anything of this conversation is still queued or untold."""
        return await asyncio.to_thread(self._outbox.waiting, sender)

    async def mark_told(self, entry: OutboxEntry) -> None:
        await asyncio.to_thread(self._outbox.mark_announced, entry.key)
