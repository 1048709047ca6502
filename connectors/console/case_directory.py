"""Case lookup for agents: masked by default, unmasked only with a reason, always on the record.

The case store is the one the bot writes to (cases.factory.open_backend with
CaseSettings from the environment), opened on the first lookup. What a case
looks like — labels, Beijing time, which fields are masked and how — comes
from the staff CLI's views (cases/cli/views.py), so the console and
`python -m cases show` cannot drift apart.

Every masked lookup writes a `viewed` event (the agent, the time, channel
console) before anything is shown — also for a number with no case, marked
`found: false`, since trying numbers is what an enumeration looks like (the
case store never issues a number that appears in its audit trail). Unmasking
works like `python -m cases show --unmask --reason …`: an `unmasked` event
naming the agent and the reason is written first. If an event cannot be
written, nothing is shown. Only the built-in SQL store keeps such events;
with the centre's own case system (CASE_BACKEND=http) the console shows
masked cases, logs each lookup, and refuses to unmask. How many lookups an
agent may make is lookup_limit.py's business (`limits`).

The masked view hides the right's number (a patent or trademark number names
its holder in public registers) in every field, the description and the
events' notes, whatever the case store's views already did.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from cases.backend import CaseBackend
from cases.cli import views
from cases.errors import CaseError
from cases.factory import open_backend
from cases.model import CaseRecord
from cases.right_number import mask_right_number_in
from cases.settings import CaseSettings
from cases.sql import SqlCaseBackend
from cases.sql.store import CaseEvent
from connectors.console.errors import (
    CaseMissing,
    ConsoleUnavailable,
    InvalidCaseNumber,
    ReasonRequired,
)
from connectors.console.lazy import Lazy
from connectors.console.lookup_limit import CaseLookupLimits

_NUMBER = re.compile(r"^[A-Z0-9]{1,10}-[0-9]{4}-[0-9]{6}$")
MAX_REASON_CHARS = 200
UNAVAILABLE = "案件库暂时无法访问，请稍后再试。"


def case_number(raw: str) -> str:
    """A typed case number in its stored form (upper case, no spaces), or InvalidCaseNumber."""
    number = raw.strip().upper().replace(" ", "")
    if not _NUMBER.fullmatch(number):
        raise InvalidCaseNumber(f"not a case number: {raw[:30]!r}")
    return number


def unmask_reason(raw: object) -> str:
    """The reason an agent gave, one line, or ReasonRequired."""
    if not isinstance(raw, str) or not raw.strip():
        raise ReasonRequired("no reason given")
    reason = " ".join(raw.split())
    if len(reason) > MAX_REASON_CHARS:
        raise ReasonRequired(
            f"reason of {len(reason)} characters",
            message=f"理由请控制在 {MAX_REASON_CHARS} 字以内。",
        )
    return reason


@dataclass(frozen=True)
class CaseView:
    """One case as the console shows it."""

    record: CaseRecord
    events: list[CaseEvent]
    masked: bool

    def _hide(self, text: str) -> str:
        """`text` with the case's right number masked, in the masked view."""
        if not self.masked:
            return text
        return mask_right_number_in(text, self.record.application.ip_number)

    def to_json(self) -> dict[str, Any]:
        unmask = not self.masked
        values = views.case_fields(self.record, unmask=unmask)
        eligibility = self.record.application.eligibility
        return {
            "case_number": self.record.case_number,
            "masked": self.masked,
            "fields": [
                {"key": key, "label": label, "value": self._hide(values[key])}
                for key, label in views.FIELDS.items()
            ],
            "eligibility": [
                {"label": label, "value": value}
                for label, value in views.eligibility_summary(eligibility).items()
            ],
            "reasons": views.eligibility_reasons(eligibility),
            "events": [
                {
                    "at": views.beijing(event.at),
                    "kind": views.EVENT_KINDS.get(event.kind, event.kind),
                    "actor": views.printable(event.actor),
                    "detail": self._hide(views.event_detail(event, unmask=unmask)),
                }
                for event in self.events
            ],
        }


class CaseDirectory:
    """Looks cases up in a backend that is opened on first use.

    Args:
        backend: the case store, loaded lazily (see lazy.py).
        limits: how many lookups each agent may make (lookup_limit.py).
    """

    def __init__(
        self, backend: Lazy[CaseBackend], *, limits: CaseLookupLimits | None = None
    ) -> None:
        self.backend = backend
        self.limits = limits or CaseLookupLimits()

    async def view(self, number: str, actor: str) -> CaseView:
        """The case, masked, after the `viewed` event naming `actor` is written.

        Raises:
            CaseMissing, ConsoleUnavailable.
        """
        backend = await self.backend.get()
        record = await self._find(backend, number)
        detail: dict[str, Any] = {"channel": "console"}
        if record is None:
            detail["found"] = False
        if isinstance(backend, SqlCaseBackend):
            await self._record(backend, number, "viewed", actor, detail)
        if record is None:
            raise await self._missing(backend, number)
        return CaseView(record, await self._events(backend, record.case_number), masked=True)

    async def unmask(self, number: str, actor: str, reason: str) -> CaseView:
        """The case in full, after the `unmasked` event naming `actor` and `reason` is written.

        Raises:
            CaseMissing, ConsoleUnavailable (also when the store keeps no events).
        """
        backend = await self.backend.get()
        if not isinstance(backend, SqlCaseBackend):
            raise ConsoleUnavailable(
                "unmask needs the SQL case store (it records the audit event)",
                message="当前案件系统不支持在坐席工作台查看完整信息，请在案件系统中查看。",
            )
        record = await self._find(backend, number)
        if record is None:
            raise await self._missing(backend, number)
        detail = {"reason": reason, "channel": "console"}
        await self._record(backend, record.case_number, "unmasked", actor, detail)
        return CaseView(record, await self._events(backend, record.case_number), masked=False)

    async def _record(
        self, backend: SqlCaseBackend, number: str, kind: str, actor: str, detail: dict[str, Any]
    ) -> None:
        try:
            await asyncio.to_thread(backend.record_event, number, kind, actor, detail)
        except SQLAlchemyError as exc:
            raise ConsoleUnavailable(
                f"audit event {kind} not written: {type(exc).__name__}", message=UNAVAILABLE
            ) from exc

    async def _find(self, backend: CaseBackend, number: str) -> CaseRecord | None:
        try:
            return await backend.get(number)
        except CaseError as exc:
            raise ConsoleUnavailable(
                f"case store: {type(exc).__name__}: {exc}", message=UNAVAILABLE
            ) from exc

    async def _missing(self, backend: CaseBackend, number: str) -> CaseMissing:
        purged = [e for e in await self._events(backend, number) if e.kind == "purged"]
        if purged:  # say so plainly, as the staff CLI does
            when = views.beijing(purged[-1].at, seconds=False)
            return CaseMissing(
                f"case {number} purged",
                message=f"案件 {number} 已于 {when} 超过保存期限被删除。",
            )
        return CaseMissing(f"no case {number}")

    async def _events(self, backend: CaseBackend, number: str) -> list[CaseEvent]:
        if not isinstance(backend, SqlCaseBackend):
            return []  # the centre's system keeps its own history
        try:
            return await asyncio.to_thread(backend.events, number)
        except SQLAlchemyError as exc:
            raise ConsoleUnavailable(
                f"case events: {type(exc).__name__}", message=UNAVAILABLE
            ) from exc

    async def close(self) -> None:
        backend = self.backend.loaded
        if backend is not None:
            await backend.close()


def open_case_backend() -> CaseBackend:
    """The case store the bot writes to, from CASE_* in the environment (blocking)."""
    return open_backend(CaseSettings.from_env())
