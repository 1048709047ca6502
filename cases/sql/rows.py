"""A case as a table row and back: which columns are encrypted, how times are kept.

Kept apart from the store's transactions so that what is written where —
the personal columns as Fernet tokens, everything else as it is — reads in
one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row

from cases.crypto import FieldCipher
from cases.model import CaseApplication, CaseRecord, CaseStatus

# The columns holding Fernet tokens; `rotate_keys` re-encrypts exactly these.
ENCRYPTED_COLUMNS = ("contact_name_enc", "phone_enc", "id_number_enc", "description_enc")


@dataclass(frozen=True)
class CaseEvent:
    """One entry of a case's audit trail."""

    case_number: str
    at: datetime
    kind: str
    actor: str
    detail: dict[str, Any] | None


def naive_utc(moment: datetime) -> datetime:
    """Columns hold naive UTC: SQLite has no time zones, and one rule for both is simpler."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def columns(application: CaseApplication, cipher: FieldCipher) -> dict[str, Any]:
    """The `cases` columns of an application, personal ones encrypted."""
    encrypt = cipher.encrypt
    return {
        "applicant_type": application.applicant_type,
        "contact_name_enc": encrypt(application.contact_name),
        "phone_enc": encrypt(application.phone),
        "id_number_enc": encrypt(application.id_number),
        "organization_name": application.organization_name,
        "credit_code": application.credit_code,
        "ip_type": application.ip_type,
        "ip_number": application.ip_number,
        "issue_type": application.issue_type,
        "in_region": application.in_region,
        "financial_hardship": application.financial_hardship,
        "description_enc": encrypt(application.description),
        "eligibility": dict(application.eligibility) if application.eligibility else None,
        "channel": application.channel,
        "consent_at": naive_utc(application.consent_at),
    }


def record(row: Row[Any], cipher: FieldCipher) -> CaseRecord:
    """The case a `cases` row holds, decrypted."""
    decrypt = cipher.decrypt
    application = CaseApplication(
        applicant_type=row.applicant_type,
        contact_name=decrypt(row.contact_name_enc) or "",
        phone=decrypt(row.phone_enc) or "",
        description=decrypt(row.description_enc) or "",
        consent_at=aware(row.consent_at),
        channel=row.channel,
        organization_name=row.organization_name,
        credit_code=row.credit_code,
        id_number=decrypt(row.id_number_enc),
        ip_type=row.ip_type,
        ip_number=row.ip_number,
        issue_type=row.issue_type,
        in_region=row.in_region,
        financial_hardship=row.financial_hardship,
        eligibility=row.eligibility,
    )
    return CaseRecord(
        case_number=row.case_number,
        status=CaseStatus(row.status),
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
        application=application,
    )
