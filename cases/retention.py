"""How long finished cases are kept, and which ones are past it.

The period is the centre's decision, so it lives in the deployment file
(`cases.retention_days`); CASE_RETENTION_DAYS overrides it on one server,
and three years applies while a deployment does not say. A deployment file
that cannot be read is an error, not a reason to fall back: guessing a
retention period is how records get deleted that should have been kept.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime, timedelta

from cases.errors import ConfigurationError
from cases.model import CaseRecord, CaseStatus
from cases.sql.store import SqlCaseBackend

DEFAULT_RETENTION_DAYS = 1095  # three years


def _checked(days: object, where: str) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ConfigurationError(f"{where} 应为正整数（天数）")
    return days


def default_retention_days(env: Mapping[str, str] | None = None) -> int:
    """The deployment's `cases.retention_days`; 1095 if the deployment has no such setting."""
    # Imported here: the deployment pulls in the knowledge package (numpy and
    # all), which no other command needs.
    from knowledge.deployment import deployment_from_env
    from knowledge.errors import KnowledgeError

    try:
        deployment = deployment_from_env(env)
    except KnowledgeError as exc:
        raise ConfigurationError(f"读不了部署配置，无法确定保存期限（{exc}）") from None
    # deployment.cases.retention_days, read with getattr while Deployment does
    # not have it everywhere yet: an older deployment module keeps three years.
    days = getattr(getattr(deployment, "cases", None), "retention_days", None)
    if days is None:
        return DEFAULT_RETENTION_DAYS
    return _checked(days, "部署配置的 cases.retention_days")


def retention_days(env: Mapping[str, str] | None = None) -> int:
    """CASE_RETENTION_DAYS if set, else the deployment's period."""
    env = os.environ if env is None else env
    raw = env.get("CASE_RETENTION_DAYS", "").strip()
    if raw:
        return _checked(int(raw) if raw.isdigit() else None, "CASE_RETENTION_DAYS")
    return default_retention_days(env)


def cutoff(now: datetime, days: int) -> datetime:
    """Cases finished (last updated) before this moment are past retention."""
    return now - timedelta(days=days)


def due(backend: SqlCaseBackend, before: datetime) -> list[CaseRecord]:
    """The cases `SqlCaseBackend.purge(before, …)` would delete, oldest first.

    The same rule as the store's purge — a final status and an older last
    update — so what a dry run lists is what the purge removes.
    """
    found = [
        record
        for status in CaseStatus
        if status.final
        for record in backend.iter_cases(status=status)
        if record.updated_at < before
    ]
    return sorted(found, key=lambda record: (record.updated_at, record.case_number))
