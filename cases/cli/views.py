"""How a case reads for centre staff: Chinese labels, Beijing time, masked personal data.

One place decides what each field is called and how it is masked, so `list`,
`show` and `export` cannot drift apart — a field masked on screen but not in
the CSV would be exactly the leak the masking is there to prevent.

Free text (the description, staff notes, reasons) is masked with `redact`:
people type their phone number into the description too, and the case's own
patent or trademark number, which is personal data as well (right_number.py).
Names inside free text cannot be recognised and stay as typed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cases.model import BEIJING, CaseApplication, CaseRecord, CaseStatus
from cases.privacy import mask_credit_code, mask_id, mask_name, mask_phone, redact
from cases.right_number import mask_right_number, mask_right_number_in
from cases.sql.store import CaseEvent

EMPTY = "—"

APPLICANT_TYPES = {
    "individual": "个人",
    "micro_small_enterprise": "小微企业",
    "large_enterprise": "大中型企业",
    "organization": "社会组织/机构",
    "research_institution": "高校/科研院所",
}
CHANNELS = {
    "wechat": "微信",
    "widget": "网站",
    "web": "网页",
    "console": "热线坐席",
    "rest": "接口",
    "api": "接口",
    "cli": "命令行",
    "other": "其他",
}
# The vocabulary of the eligibility form (knowledge/eligibility/questions.yml).
IP_TYPES = {
    "patent": "专利",
    "trademark": "商标",
    "copyright": "著作权",
    "geographical_indication": "地理标志",
    "trade_secret": "商业秘密",
    "plant_variety": "植物新品种",
    "other": "其他",
}
ISSUE_TYPES = {
    "infringed": "被别人侵权",
    "ecommerce": "电商平台上被侵权",
    "exhibition": "展会上被侵权",
    "accused": "被指控侵权",
    "ownership": "权属纠纷",
    "invalidation": "专利无效宣告",
    "overseas": "海外纠纷",
    "consultation": "只是咨询",
}
EVENT_KINDS = {
    "created": "提交",
    "status": "状态变更",
    "unmasked": "查看完整信息",
    "viewed": "查看",
    "exported": "导出",
    "purged": "到期删除",
}
# The outcomes of knowledge.eligibility (EligibilityResult.to_dict()).
ELIGIBILITY = {
    "consultation": "公益咨询",
    "infringement_opinion": "侵权判定参考意见",
    "financial_assistance": "资金援助",
    "referral": "转介",
}
FINANCIAL = {"eligible": "符合条件", "not_eligible": "不符合条件", "review": "需中心审核"}
REFERRALS = {
    "overseas_center": "国家海外知识产权纠纷应对指导中心",
    "transfer_region": "移交所在地维权援助机构",
}

# Display order of `show` and the columns of `export`: key → label.
FIELDS = {
    "case_number": "案件编号",
    "status": "状态",
    "created_at": "提交时间",
    "updated_at": "最后更新",
    "applicant_type": "申请人类型",
    "organization_name": "单位名称",
    "credit_code": "统一社会信用代码",
    "contact_name": "联系人",
    "phone": "手机",
    "id_number": "身份证号",
    "ip_type": "知识产权类型",
    "ip_number": "知识产权编号",
    "issue_type": "问题类型",
    "in_region": "是否在本地",
    "financial_hardship": "经济困难",
    "channel": "渠道",
    "consent_at": "同意时间",
    "description": "情况描述",
}
LIST_COLUMNS = ("案件编号", "提交时间", "状态", "申请人类型", "联系人", "手机", "渠道")


# Control characters typed by the public (an escape sequence in a description)
# would be obeyed by the staff member's terminal; bidi overrides reorder text.
_UNPRINTABLE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` without characters that would steer a terminal (line breaks are kept)."""
    return _UNPRINTABLE.sub("", text.replace("\t", " "))


def beijing(moment: datetime, *, seconds: bool = True) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def _label(labels: Mapping[str, str], value: str | None) -> str:
    if value is None:
        return EMPTY
    return labels.get(value, value)


def _yes_no(value: bool | None) -> str:
    return EMPTY if value is None else ("是" if value else "否")


def _masked(value: str | None, mask: Any, unmask: bool) -> str:
    if not value:
        return EMPTY
    return value if unmask else str(mask(value))


def _masked_description(application: CaseApplication) -> str:
    return redact(mask_right_number_in(application.description, application.ip_number))


def case_fields(record: CaseRecord, *, unmask: bool = False) -> dict[str, str]:
    """Every field of the case as printable text, keyed like FIELDS, personal ones masked."""
    application = record.application
    fields = {
        "case_number": record.case_number,
        "status": record.status.label,
        "created_at": beijing(record.created_at),
        "updated_at": beijing(record.updated_at),
        "applicant_type": _label(APPLICANT_TYPES, application.applicant_type),
        "organization_name": application.organization_name or EMPTY,
        "credit_code": _masked(application.credit_code, mask_credit_code, unmask),
        "contact_name": _masked(application.contact_name, mask_name, unmask),
        "phone": _masked(application.phone, mask_phone, unmask),
        "id_number": _masked(application.id_number, mask_id, unmask),
        "ip_type": _label(IP_TYPES, application.ip_type),
        "ip_number": _masked(application.ip_number, mask_right_number, unmask),
        "issue_type": _label(ISSUE_TYPES, application.issue_type),
        "in_region": _yes_no(application.in_region),
        "financial_hardship": _yes_no(application.financial_hardship),
        "channel": _label(CHANNELS, application.channel),
        "consent_at": beijing(application.consent_at),
        "description": (application.description if unmask else _masked_description(application))
        or EMPTY,
    }
    return {key: printable(value) for key, value in fields.items()}


def list_row(record: CaseRecord) -> list[str]:
    """The LIST_COLUMNS of one case; always masked (a list is read over shoulders)."""
    fields = case_fields(record)
    return [
        fields["case_number"],
        beijing(record.created_at, seconds=False),
        fields["status"],
        fields["applicant_type"],
        fields["contact_name"],
        fields["phone"],
        fields["channel"],
    ]


def list_json(record: CaseRecord) -> dict[str, Any]:
    application = record.application
    return {
        "case_number": record.case_number,
        "created_at": record.created_at.astimezone(BEIJING).isoformat(),
        "status": record.status.value,
        "status_label": record.status.label,
        "applicant_type": application.applicant_type,
        "applicant_type_label": _label(APPLICANT_TYPES, application.applicant_type),
        "contact_name": mask_name(application.contact_name),
        "phone": mask_phone(application.phone),
        "channel": application.channel,
    }


def case_json(record: CaseRecord, *, unmask: bool = False) -> dict[str, Any]:
    """CaseRecord.to_json() with the personal fields masked unless `unmask`."""
    data = record.to_json()
    if not unmask:
        application = data["application"]
        for key, mask in (
            ("contact_name", mask_name),
            ("phone", mask_phone),
            ("id_number", mask_id),
            ("credit_code", mask_credit_code),
            ("ip_number", mask_right_number),
        ):
            if application.get(key):
                application[key] = mask(application[key])
        application["description"] = _masked_description(record.application)
    data["masked"] = not unmask
    return data


# -- eligibility ---------------------------------------------------------------


def _outcome(key: str, value: Any) -> str:
    if key == "financial_assistance":
        return _label(FINANCIAL, value) if isinstance(value, str) else EMPTY
    if key == "referral":
        return "无需转介" if value is None else _label(REFERRALS, str(value))
    if isinstance(value, bool):
        return "可以" if value else "不适用"
    return EMPTY if value is None else str(value)


def eligibility_summary(eligibility: Mapping[str, Any] | None) -> dict[str, str]:
    """Outcome label → result; unknown keys are shown raw so nothing is hidden."""
    if not eligibility:
        return {}
    summary = {label: _outcome(key, eligibility.get(key)) for key, label in ELIGIBILITY.items()}
    for key, value in eligibility.items():
        if key not in ELIGIBILITY and key != "basis":
            summary[key] = json.dumps(value, ensure_ascii=False)
    return summary


def eligibility_reasons(eligibility: Mapping[str, Any] | None) -> list[str]:
    """One line per outcome's explanation, with the clauses it cites."""
    basis = (eligibility or {}).get("basis") or []
    reasons: dict[tuple[str, str], list[str]] = {}
    for cited in basis:
        if not isinstance(cited, Mapping):
            continue
        key = (str(cited.get("outcome", "")), str(cited.get("explain", "")))
        section = cited.get("section")
        sections = reasons.setdefault(key, [])
        if section and str(section) not in sections:
            sections.append(str(section))
    lines = []
    for (outcome, explain), sections in reasons.items():
        where = f"（依据第{'、'.join(sections)}条）" if sections else ""
        lines.append(f"{ELIGIBILITY.get(outcome, outcome)}：{explain}{where}")
    return lines


# -- events --------------------------------------------------------------------


def _free_text(value: Any, unmask: bool) -> str:
    text = printable(" ".join(str(value).splitlines()))
    return text if unmask else redact(text)


def event_detail(event: CaseEvent, *, unmask: bool = False) -> str:
    detail = event.detail or {}
    parts: list[str] = []
    if "from" in detail and "to" in detail:
        parts.append(f"{_status_label(detail['from'])} → {_status_label(detail['to'])}")
    if "channel" in detail:
        parts.append(f"渠道：{_label(CHANNELS, str(detail['channel']))}")
    if "unmasked" in detail:
        parts.append("含完整个人信息" if detail["unmasked"] else "个人信息已遮盖")
    for key, label in (("note", "备注"), ("reason", "理由")):
        if detail.get(key):
            parts.append(f"{label}：{_free_text(detail[key], unmask)}")
    if detail.get("os_user"):
        parts.append(f"系统用户：{detail['os_user']}")
    if detail.get("file"):
        parts.append(f"文件：{detail['file']}")
    known = {"from", "to", "channel", "unmasked", "note", "reason", "os_user", "file"}
    rest = {key: value for key, value in detail.items() if key not in known}
    if rest:
        parts.append(_free_text(json.dumps(rest, ensure_ascii=False), unmask))
    return "；".join(parts)


def event_json(event: CaseEvent, *, unmask: bool = False) -> dict[str, Any]:
    detail = event.detail
    if detail is not None and not unmask:
        detail = {k: redact(v) if isinstance(v, str) else v for k, v in detail.items()}
    return {
        "at": event.at.astimezone(BEIJING).isoformat(),
        "kind": event.kind,
        "actor": event.actor,
        "detail": detail,
    }


def _status_label(value: Any) -> str:
    try:
        return CaseStatus(value).label
    except ValueError:
        return str(value)
