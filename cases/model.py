"""A case (援助申请) as the adapter stores and returns it.

`CaseApplication` is what the person confirmed; it travels unchanged from the
bot through the outbox to any backend, and its fingerprint (a hash of its
canonical JSON) is what makes a repeated submission recognisable.
`CaseRecord` is what the case system made of it: a number and a status.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from cases.errors import InvalidApplication
from cases.privacy import mask_id, mask_name, mask_phone
from cases.validation import credit_code, id_card, mobile

# China has one time zone and no daylight saving: case numbers and the times
# shown to people are Beijing time.
BEIJING = timezone(timedelta(hours=8), "CST")

APPLICANT_TYPES = frozenset(
    {
        "individual",
        "micro_small_enterprise",
        "large_enterprise",
        "organization",
        "research_institution",
    }
)
CHANNELS = frozenset({"wechat", "widget", "web", "console", "rest", "cli", "api", "other"})
MAX_DESCRIPTION = 2000
MAX_NAME = 100


class CaseStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    TRANSFERRED = "transferred"
    CLOSED = "closed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def final(self) -> bool:
        return not _NEXT[self]

    def can_become(self, other: CaseStatus) -> bool:
        return other in _NEXT[self]


_STATUS_LABELS = {
    CaseStatus.SUBMITTED: "已提交，等待中心审核",
    CaseStatus.ACCEPTED: "已受理",
    CaseStatus.IN_PROGRESS: "办理中",
    CaseStatus.TRANSFERRED: "已移交其他机构办理",
    CaseStatus.CLOSED: "已办结",
    CaseStatus.REJECTED: "不予受理",
    CaseStatus.WITHDRAWN: "已撤回",
}
_NEXT: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.SUBMITTED: frozenset(
        {CaseStatus.ACCEPTED, CaseStatus.REJECTED, CaseStatus.TRANSFERRED, CaseStatus.WITHDRAWN}
    ),
    CaseStatus.ACCEPTED: frozenset(
        {CaseStatus.IN_PROGRESS, CaseStatus.CLOSED, CaseStatus.TRANSFERRED, CaseStatus.WITHDRAWN}
    ),
    CaseStatus.IN_PROGRESS: frozenset(
        {CaseStatus.CLOSED, CaseStatus.TRANSFERRED, CaseStatus.WITHDRAWN}
    ),
    CaseStatus.TRANSFERRED: frozenset(),
    CaseStatus.CLOSED: frozenset(),
    CaseStatus.REJECTED: frozenset(),
    CaseStatus.WITHDRAWN: frozenset(),
}


def utc_now() -> datetime:
    return datetime.now(UTC)


def parse_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class CaseApplication:
    """One confirmed application. Phone, ID and credit code are already validated
    and normalised by the bot; `validate()` checks again at every entry point."""

    applicant_type: str
    contact_name: str
    phone: str
    description: str
    consent_at: datetime
    channel: str
    organization_name: str | None = None
    credit_code: str | None = None
    id_number: str | None = None
    ip_type: str | None = None
    ip_number: str | None = None
    issue_type: str | None = None
    in_region: bool | None = None
    financial_hardship: bool | None = None
    eligibility: Mapping[str, Any] | None = field(default=None, hash=False)

    def __repr__(self) -> str:
        # A record that reaches a log or a traceback must not carry personal data.
        return (
            f"CaseApplication(applicant_type={self.applicant_type!r}, "
            f"contact_name={mask_name(self.contact_name)!r}, phone={mask_phone(self.phone)!r}, "
            f"id_number={mask_id(self.id_number) if self.id_number else None!r}, "
            f"channel={self.channel!r})"
        )

    @property
    def is_individual(self) -> bool:
        return self.applicant_type == "individual"

    def problems(self) -> list[str]:
        """What is wrong with the application, in field terms (no values)."""
        found: list[str] = []
        if self.applicant_type not in APPLICANT_TYPES:
            found.append("applicant_type: unknown")
        if not self.contact_name.strip() or len(self.contact_name) > MAX_NAME:
            found.append("contact_name: missing or too long")
        checked = mobile(self.phone)
        if not checked.ok or checked.value != self.phone:
            found.append("phone: not a normalised mainland mobile number")
        if self.id_number is not None:
            checked = id_card(self.id_number)
            if not checked.ok or checked.value != self.id_number:
                found.append("id_number: not a valid identity card number")
        if not self.is_individual:
            if not (self.organization_name or "").strip():
                found.append("organization_name: required for an organisation")
            if self.credit_code is None:
                found.append("credit_code: required for an organisation")
        if self.credit_code is not None:
            checked = credit_code(self.credit_code)
            if not checked.ok or checked.value != self.credit_code:
                found.append("credit_code: not a valid unified social credit code")
        if not self.description.strip():
            found.append("description: missing")
        elif len(self.description) > MAX_DESCRIPTION:
            found.append(f"description: longer than {MAX_DESCRIPTION} characters")
        if self.channel not in CHANNELS:
            found.append("channel: unknown")
        if self.consent_at.tzinfo is None:
            found.append("consent_at: needs a time zone")
        return found

    def validate(self) -> CaseApplication:
        found = self.problems()
        if found:
            raise InvalidApplication(found)
        return self

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["consent_at"] = self.consent_at.astimezone(UTC).isoformat()
        data["eligibility"] = dict(self.eligibility) if self.eligibility is not None else None
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CaseApplication:
        """Parse (and validate) an application from JSON; InvalidApplication if malformed."""
        if not isinstance(data, Mapping):
            raise InvalidApplication(["body: must be a JSON object"])
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        problems = [f"{name}: unknown field" for name in unknown]
        values: dict[str, Any] = {}
        for name in ("applicant_type", "contact_name", "phone", "description", "channel"):
            value = data.get(name)
            if not isinstance(value, str):
                problems.append(f"{name}: required text")
            values[name] = value if isinstance(value, str) else ""
        for name in (
            "organization_name",
            "credit_code",
            "id_number",
            "ip_type",
            "ip_number",
            "issue_type",
        ):
            value = data.get(name)
            if value is not None and not isinstance(value, str):
                problems.append(f"{name}: must be text or null")
                value = None
            values[name] = value
        for name in ("in_region", "financial_hardship"):
            value = data.get(name)
            if value is not None and not isinstance(value, bool):
                problems.append(f"{name}: must be true, false or null")
                value = None
            values[name] = value
        eligibility = data.get("eligibility")
        if eligibility is not None and not isinstance(eligibility, Mapping):
            problems.append("eligibility: must be an object or null")
            eligibility = None
        values["eligibility"] = eligibility
        try:
            values["consent_at"] = parse_time(str(data["consent_at"]))
        except (KeyError, ValueError):
            problems.append("consent_at: required ISO 8601 time")
            values["consent_at"] = utc_now()
        if problems:
            raise InvalidApplication(problems)
        return cls(**values).validate()

    def fingerprint(self) -> str:
        """A hash of the canonical JSON: equal applications, equal fingerprints."""
        canonical = json.dumps(
            self.to_json(), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CaseRecord:
    case_number: str
    status: CaseStatus
    created_at: datetime
    updated_at: datetime
    application: CaseApplication

    def to_json(self) -> dict[str, Any]:
        return {
            "case_number": self.case_number,
            "status": self.status.value,
            "status_label": self.status.label,
            "created_at": self.created_at.astimezone(UTC).isoformat(),
            "updated_at": self.updated_at.astimezone(UTC).isoformat(),
            "application": self.application.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CaseRecord:
        return cls(
            case_number=str(data["case_number"]),
            status=CaseStatus(data["status"]),
            created_at=parse_time(str(data["created_at"])),
            updated_at=parse_time(str(data["updated_at"])),
            application=CaseApplication.from_json(data["application"]),
        )

    def phone_ends_with(self, digits: str) -> bool:
        return len(digits) == 4 and self.application.phone.endswith(digits)
