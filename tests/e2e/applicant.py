"""An applicant filling the bot's application form through the chat API (shared by e2e tests)."""

from __future__ import annotations

import itertools
import re
from typing import Any

from tests.e2e.conftest import Conversation

CASE_NUMBER = re.compile(r"WQ-\d{4}-\d{6}")
REFERENCE = re.compile(r"LS-\d{8}-[0-9A-Z]{6}")
_phones = itertools.count(1000)


def answers(description: str, *, company: bool = False) -> dict[str, str]:
    """What an applicant types for each question, with a phone no other test uses."""
    phone = f"139 0532 {next(_phones):04d}"
    answer = {
        "case_consent": "同意",
        "applicant_type": "我们是小微企业" if company else "个人",
        "ip_type": "商标",
        "contact_name": "张晓梅",
        "contact_phone": phone,
        "ip_number": "第12345678号",
        "case_description": description,
        "case_fix": "没问题",
    }
    if company:
        answer |= {
            "organization_name": "枣庄市鲁南五金有限公司",
            "credit_code": "91350100M000100Y43",
        }
    return answer


def text_of(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def asked(messages: list[dict[str, Any]]) -> str | None:
    """The slot the bot's last form question is about, if it asked one."""
    slot = None
    for message in messages:
        custom = message.get("custom") or {}
        if custom.get("type") == "form_question":
            slot = custom.get("slot")
    return slot


def fill_form(talk: Conversation, answer: dict[str, str]) -> list[dict[str, Any]]:
    """Apply and answer every question up to the confirmation; return the summary."""
    messages = talk.send("我想申请知识产权维权援助")
    for _ in range(15):
        slot = asked(messages)
        assert slot is not None, text_of(messages)
        if slot == "case_confirmed":
            return messages
        assert slot in answer, f"unexpected question {slot}: {text_of(messages)}"
        messages = talk.send(answer[slot])
        assert "None" not in text_of(messages)
    raise AssertionError("the form never reached the confirmation")
