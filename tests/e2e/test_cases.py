"""Applying and looking a case up, over HTTP, against the reference case system.

The bot talks to the case system (a separate process) through HttpCaseBackend;
these tests stop it, slow it down and kill the action server under it, and
count the records the case system holds afterwards.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.request
from typing import Any

import pytest

from cases.model import CaseRecord
from cases.settings import CaseSettings
from cases.sql import SqlCaseBackend
from tests.e2e.applicant import CASE_NUMBER, REFERENCE, answers, asked, fill_form, text_of
from tests.e2e.conftest import Conversation
from tests.e2e.processes import CASE_TOKEN, Stack

pytestmark = pytest.mark.slow


def records(stack: Stack) -> list[CaseRecord]:
    """Every record in the case system's own database, decrypted with its key."""
    settings = CaseSettings(
        database_url=stack.env["CASE_SERVER_DATABASE_URL"],
        encryption_keys=stack.env["CASE_SERVER_ENCRYPTION_KEY"],
    )
    store = SqlCaseBackend.open(settings)
    try:
        return store.list_cases()
    finally:
        store.engine.dispose()


def cases_described(stack: Stack, description: str) -> list[str]:
    """Case numbers of the records whose description is `description`."""
    return [r.case_number for r in records(stack) if r.application.description == description]


def case_system(stack: Stack, method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        stack.case_system + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {CASE_TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def test_apply_as_a_company_gets_a_confirmed_case_number(stack: Stack, talk: Conversation) -> None:
    description = "有人在网店上卖仿冒我们注册商标的五金工具，价格很低，客户都被抢走了。"
    answer = answers(description, company=True)
    summary = text_of(fill_form(talk, answer))
    tail = answer["contact_phone"][-4:]
    assert f"139****{tail}" in summary  # masked on screen
    assert answer["contact_phone"].replace(" ", "") not in summary
    assert "枣庄市鲁南五金有限公司" in summary

    reply = text_of(talk.send("确认"))
    numbers = CASE_NUMBER.findall(reply)
    assert numbers, reply
    assert "5个工作日" in reply  # the deployment's service promise
    assert cases_described(stack, description) == [numbers[0]]
    record = case_system(stack, "GET", f"/api/v1/cases/{numbers[0]}")
    assert record["status"] == "submitted"
    stored = record["application"]
    assert stored["phone"] == answer["contact_phone"].replace(" ", "")
    assert stored["credit_code"] == answer["credit_code"]
    assert stored["channel"] == "web" and stored["consent_at"]
    assert stored["ip_type"] == "trademark" and stored["ip_number"] == "12345678"
    # Personal data left the conversation once the record was made.
    slots = talk.slots()
    assert slots["contact_phone"] is None and slots["credit_code"] is None

    again = text_of(talk.send("确认"))
    assert "None" not in again
    assert cases_described(stack, description) == [numbers[0]]


def test_no_consent_no_record(stack: Stack, talk: Conversation) -> None:
    messages = talk.send("我要申请援助")
    assert asked(messages) == "case_consent"
    reply = text_of(talk.send("不同意"))
    assert reply and "None" not in reply
    assert talk.slots()["case_consent"] is None
    assert asked(talk.send("张晓梅")) != "contact_phone"


def test_a_slow_case_system_that_commits_then_times_out_gives_one_case(
    stack: Stack, talk: Conversation
) -> None:
    description = "我的注册商标被一家公司印在包装上，我发了律师函他们也不理。"
    fill_form(talk, answers(description))
    # The first create is stored but answered after the client's read timeout.
    case_system(stack, "POST", "/_faults", {"delay_after_commit": 6, "times": 1})
    try:
        reply = text_of(talk.send("确认"))
    finally:
        case_system(stack, "DELETE", "/_faults")
    numbers = CASE_NUMBER.findall(reply) + REFERENCE.findall(reply)
    assert numbers, reply
    deadline = time.monotonic() + 30
    while not cases_described(stack, description) and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(3)  # room for a wrongful second create by the relay
    assert len(cases_described(stack, description)) == 1


def test_case_system_down_the_application_waits_and_the_number_follows(
    stack: Stack, talk: Conversation
) -> None:
    description = "展会上有人展出和我们外观一样的产品，还用了我们的商标。"
    fill_form(talk, answers(description))
    stack.stop("cases")
    try:
        reply = text_of(talk.send("确认"))
        assert REFERENCE.search(reply), reply
        assert not CASE_NUMBER.search(reply)
        assert "None" not in reply
    finally:
        stack.start("cases")
    deadline = time.monotonic() + 60
    while not cases_described(stack, description) and time.monotonic() < deadline:
        time.sleep(0.5)
    [number] = cases_described(stack, description)
    news = text_of(talk.send("你好"))
    assert number in news, news
    assert number not in text_of(talk.send("谢谢"))  # told once


def test_action_server_killed_mid_submit_one_case_and_no_none(
    stack: Stack, talk: Conversation
) -> None:
    description = "对方在直播间里卖假冒我们商标的产品，已经卖出几百单。"
    fill_form(talk, answers(description))
    case_system(stack, "POST", "/_faults", {"delay_before": 3, "times": 1})
    replies: list[str] = []
    confirming = threading.Thread(target=lambda: replies.append(text_of(talk.send("确认"))))
    try:
        confirming.start()
        time.sleep(1.5)  # the create is in flight at the case system
        stack.kill("actions")
        confirming.join(timeout=120)
    finally:
        stack.start("actions")
        case_system(stack, "DELETE", "/_faults")
    assert replies and replies[0] and "None" not in replies[0]
    told = CASE_NUMBER.findall(replies[0])
    # The person tries again, then comes back a little later: by then the
    # outbox entry written before the crash has been relayed with its key.
    deadline = time.monotonic() + 60
    for text in itertools.chain(["确认"], itertools.repeat("你好")):
        if told or time.monotonic() > deadline:
            break
        reply = text_of(talk.send(text))
        assert "None" not in reply
        told = CASE_NUMBER.findall(reply)
        time.sleep(2)
    assert told, "no case number after the action server came back"
    assert cases_described(stack, description) == [told[0]]


def test_status_only_with_the_right_phone_digits(stack: Stack, talk: Conversation) -> None:
    description = "别人抢注了和我们商标很像的商标，在同类商品上使用。"
    answer = answers(description)
    fill_form(talk, answer)
    [number] = CASE_NUMBER.findall(text_of(talk.send("确认")))

    asker = Conversation(stack)
    reply = text_of(asker.send(f"帮我查一下{number}的进度"))
    assert "后4位" in reply or "后四位" in reply, reply
    wrong = text_of(asker.send("0000"))
    assert "已提交" not in wrong and "张晓梅" not in wrong and "None" not in wrong
    asker.send(f"查询案件{number}")
    right = text_of(asker.send(answer["contact_phone"][-4:]))
    assert number in right and "已提交" in right, right
    assert "张晓梅" not in right  # status only, no personal data
