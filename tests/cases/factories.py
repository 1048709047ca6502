"""Valid applications for tests, with numbers that pass their real check digits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cases.model import CaseApplication
from cases.validation import credit_check_char, id_check_char

CONSENT_AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def id_number(body: str = "37040219880214123") -> str:
    return body + id_check_char(body)


def credit_code(body: str = "91370400MA3C8B9X2") -> str:
    return body + credit_check_char(body)


def application(**overrides: Any) -> CaseApplication:
    values: dict[str, Any] = {
        "applicant_type": "individual",
        "contact_name": "王秀英",
        "phone": "13912345678",
        "description": "我的外观设计专利被一家网店仿冒，对方在电商平台大量销售。",
        "consent_at": CONSENT_AT,
        "channel": "widget",
        "ip_type": "patent",
        "ip_number": "202130123456.8",
        "issue_type": "ecommerce",
        "in_region": True,
        "financial_hardship": False,
        "eligibility": {
            "consultation": True,
            "infringement_opinion": True,
            "financial_assistance": "review",
            "referral": None,
            "basis": [],
        },
    }
    values.update(overrides)
    return CaseApplication(**values).validate()


def organisation(**overrides: Any) -> CaseApplication:
    values: dict[str, Any] = {
        "applicant_type": "micro_small_enterprise",
        "organization_name": "枣庄市薛城区鲁南精工机械有限公司",
        "credit_code": credit_code(),
    }
    values.update(overrides)
    return application(**values)
