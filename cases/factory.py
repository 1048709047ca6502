"""Wire the case adapter from settings: the backend, the outbox, the desk, the lookup guard."""

from __future__ import annotations

from dataclasses import dataclass

from cases.backend import CaseBackend
from cases.desk import CaseDesk
from cases.lookup_guard import LookupGuard
from cases.outbox import Outbox
from cases.settings import CaseSettings


def open_backend(settings: CaseSettings) -> CaseBackend:
    """The configured case system. An unreachable database or API is not an error
    here: applications wait in the outbox until it answers."""
    if settings.backend == "http":
        from cases.http_backend import HttpCaseBackend

        return HttpCaseBackend.from_settings(settings)
    from cases.sql import SqlCaseBackend

    return SqlCaseBackend.open(settings, wait_for_database=False)


@dataclass
class CaseServices:
    settings: CaseSettings
    desk: CaseDesk
    guard: LookupGuard

    @classmethod
    def open(cls, settings: CaseSettings, backend: CaseBackend | None = None) -> CaseServices:
        cipher = settings.cipher()
        outbox = Outbox(settings.outbox_path, cipher)
        desk = CaseDesk(
            backend or open_backend(settings),
            outbox,
            budget=settings.submit_budget,
            max_per_sender=settings.max_per_sender,
        )
        return cls(settings=settings, desk=desk, guard=LookupGuard(settings.outbox_path))

    async def close(self) -> None:
        await self.desk.backend.close()
        self.desk.outbox.close()
        self.guard.close()
