"""No process of a full run writes a phone, ID or credit-code number unmasked.

Rasa runs with --debug in the e2e stack, so its log holds every message, parse
result and slot. Runs after the conversation and case tests of the session (file order),
so the logs hold whole applications, outages and retries; it also sends its
own messages full of personal data, in the places most likely to be logged:
free text Rasa cannot classify, a case lookup, an application form.
"""

from __future__ import annotations

import re

import pytest

from tests.cases.factories import credit_code, id_number
from tests.e2e.conftest import Conversation
from tests.e2e.processes import Stack

pytestmark = pytest.mark.slow

PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
ID_NUMBER = re.compile(r"(?<!\d)\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[\dXx](?!\d)")


def unescape(line: str) -> str:
    """JSON's \\uXXXX escapes (Rasa's debug log) read as the characters they stand for."""
    return ESCAPE.sub(lambda m: chr(int(m[1], 16)), line)


def test_logs_of_a_full_run_hold_no_unmasked_numbers(stack: Stack) -> None:
    phone, person, company = "13905329876", id_number(), credit_code()
    talk = Conversation(stack)
    talk.send(f"我手机{phone}，身份证{person}，公司信用代码{company}，商标被人抢注了怎么办")
    talk.send(f"查一下用{phone}提交的申请")
    talk.send(phone[-4:])
    applying = Conversation(stack)
    applying.send("申请维权援助")
    for text in ("同意", "企业", "专利", "李明", f"+86 {phone}", "鲁南机械厂", company, "没有"):
        applying.send(text)
    applying.send(f"我是{person}，别人仿造了我们的专利产品")

    logs = sorted(stack.workdir.glob("*.log"))
    assert {log.stem for log in logs} >= {"actions", "rasa", "gateway", "cases"}
    leaks: list[str] = []
    for log in logs:
        for number, raw in enumerate(log.read_text(errors="replace").splitlines(), 1):
            line = unescape(raw)
            for pattern in (PHONE, ID_NUMBER):
                leaks += [f"{log.name}:{number}: {m}" for m in pattern.findall(line)]
            if company in line:
                leaks.append(f"{log.name}:{number}: {company}")
    assert not leaks, "\n".join(leaks[:20])
