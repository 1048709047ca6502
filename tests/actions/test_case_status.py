"""Asking about an application: the case number, then the last four phone digits.

Nothing about a case is said before the digits match; a wrong number and wrong
digits read the same; guessing is throttled; a provisional LS- reference is
answered from the outbox while the case system is away and from the case
afterwards.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from actions.case_status import (
    WRONG,
    ActionCaseStatus,
    ActionQueryCase,
    ValidateCaseLookupForm,
    lookup_questions,
    read_case_number,
)
from cases import outbox as outbox_module
from cases.desk import Queued, Submitted
from cases.errors import BackendUnavailable
from cases.factory import CaseServices
from cases.lookup_guard import LookupGuard
from cases.model import CaseApplication, CaseRecord, CaseStatus
from cases.settings import CaseSettings
from cases.sql import SqlCaseBackend
from knowledge.deployment import Deployment
from tests.actions.conftest import FormLoop, Turn, act, slots_set, tracker
from tests.cases.factories import application

PHONE = "13912345678"
SENDER = "wx-asker"
OpenCases = Callable[..., CaseServices]


class Switchable:
    """The real store behind a switch: while `down`, every call fails as a dead server's would."""

    def __init__(self, inner: SqlCaseBackend) -> None:
        self.inner = inner
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise BackendUnavailable("switched off")

    async def create(self, application: CaseApplication, *, idempotency_key: str) -> CaseRecord:
        self._check()
        return await self.inner.create(application, idempotency_key=idempotency_key)

    async def get(self, case_number: str) -> CaseRecord | None:
        self._check()
        return await self.inner.get(case_number)

    async def update_status(
        self, case_number: str, status: CaseStatus, *, note: str = "", actor: str = "system"
    ) -> CaseRecord:
        return await self.inner.update_status(case_number, status, note=note, actor=actor)

    async def close(self) -> None:
        await self.inner.close()


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def backend(case_env: dict[str, str]) -> Switchable:
    return Switchable(SqlCaseBackend.open(CaseSettings.from_env(case_env)))


@pytest.fixture
def cases(open_cases: OpenCases, case_env: dict[str, str], backend: Switchable) -> CaseServices:
    return open_cases(case_env, backend)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def guard(case_env: dict[str, str], clock: Clock) -> Iterator[LookupGuard]:
    """The throttle as CaseServices makes it (same file, same limits), on a clock we move."""
    guard = LookupGuard(Path(case_env["CASE_OUTBOX_PATH"]), clock=clock)
    yield guard
    guard.close()


async def submit(cases: CaseServices, *, phone: str = PHONE, n: int = 0) -> Submitted | Queued:
    outcome = await cases.desk.submit(
        application(phone=phone, description=f"网店仿冒我的专利产品，第{n}次登记。"),
        key=f"key-{n}",
        sender=f"applicant-{n}",
    )
    assert isinstance(outcome, Submitted | Queued)
    return outcome


class Lookup:
    """One conversation asking about cases, as the rules run it: action_query_case,
    then the lookup form, then action_case_status."""

    def __init__(
        self, cases: CaseServices, guard: LookupGuard, deployment: Deployment, sender: str = SENDER
    ) -> None:
        self.status = ActionCaseStatus(cases.desk, guard, deployment)
        self.sender = sender
        self.slots: dict[str, Any] = {}
        self.form = FormLoop(ValidateCaseLookupForm(), lookup_questions(), sender=sender)

    async def start(self, text: str = "查一下我的申请进度") -> str | None:
        events, _ = await act(
            ActionQueryCase(), tracker(text, "query_case", self.slots, sender=self.sender)
        )
        self.form = FormLoop(
            ValidateCaseLookupForm(),
            lookup_questions(),
            sender=self.sender,
            slots=self.slots | slots_set(events),
        )
        return (await self.form.say(text, "query_case")).asked

    async def answer(self, text: str, intent: str = "inform") -> Turn:
        return await self.form.say(text, intent)

    async def result(self) -> list[dict[str, Any]]:
        """What action_case_status says once the form ended."""
        assert not self.form.active
        events, messages = await act(
            self.status, tracker("", "inform", self.form.slots, sender=self.sender)
        )
        assert slots_set(events) == {"lookup_number": None, "phone_tail": None}
        return messages

    async def ask(self, number: str, tail: str) -> list[dict[str, Any]]:
        """The whole exchange: a number in the question, then the four digits."""
        asked = await self.start(f"查一下{number}的进度")
        assert asked == "phone_tail"
        turn = await self.answer(tail)
        assert turn.done
        return await self.result()


@pytest.fixture
def lookup(cases: CaseServices, guard: LookupGuard, deployment: Deployment) -> Lookup:
    return Lookup(cases, guard, deployment)


# -- reading numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("WQ-2026-000123", "WQ-2026-000123"),
        ("我的案件编号是 wq 2026 000123，查下进度", "WQ-2026-000123"),
        ("ＷＱ－２０２６－０００１２３", "WQ-2026-000123"),
        ("WQ2026000123", "WQ-2026-000123"),
        ("LS-20261121-7KQ4P2", "LS-20261121-7KQ4P2"),
        ("临时编号ls 20261121 7kq4p2", "LS-20261121-7KQ4P2"),
        ("WQ-2026-0001234", None),  # one digit too many
        ("13912345678", None),
        ("查一下进度", None),
    ],
)
def test_case_numbers_are_read_in_any_spelling(text: str, number: str | None) -> None:
    assert read_case_number(text) == number


# -- the right answer, and the wrong ones ---------------------------------------------------


async def test_the_right_number_and_digits_tell_the_status_in_chinese(
    cases: CaseServices, lookup: Lookup
) -> None:
    outcome = await submit(cases)
    assert isinstance(outcome, Submitted)
    number = outcome.case_number
    await cases.desk.backend.update_status(number, CaseStatus.ACCEPTED)
    asked = await lookup.start(f"帮我查一下案件{number.lower().replace('-', ' ')}")
    assert asked == "phone_tail"
    question = lookup.form.transcript[-1]["text"]
    assert question == "为保护申请人信息，请输入登记手机号的后四位。"
    assert (await lookup.answer("5678")).done
    [message] = await lookup.result()
    lines = message["text"].splitlines()
    assert lines[0] == f"案件 {number}：已受理"
    assert re.fullmatch(
        r"提交时间：\d{4}-\d\d-\d\d \d\d:\d\d；最近更新：\d{4}-\d\d-\d\d \d\d:\d\d", lines[1]
    )
    assert lines[2] == "中心已受理，会安排专人跟进。"
    assert message["custom"]["status"] == "accepted"
    assert message["custom"]["status_label"] == "已受理"
    assert PHONE not in message["text"] and "王秀英" not in message["text"]


@pytest.mark.parametrize(
    ("status", "next_step"),
    [
        (CaseStatus.SUBMITTED, "工作人员审核后会电话联系您。"),
        (CaseStatus.REJECTED, "中心决定不予受理，具体原因工作人员会告知您。"),
        (CaseStatus.TRANSFERRED, "已移交给更合适的机构办理，对方会与您联系。"),
    ],
)
async def test_every_status_says_what_happens_next(
    cases: CaseServices, lookup: Lookup, status: CaseStatus, next_step: str
) -> None:
    outcome = await submit(cases)
    assert isinstance(outcome, Submitted)
    if status is not CaseStatus.SUBMITTED:
        await cases.desk.backend.update_status(outcome.case_number, status)
    [message] = await lookup.ask(outcome.case_number, "5678")
    assert message["text"].startswith(f"案件 {outcome.case_number}：{status.label}\n")
    assert message["text"].endswith(next_step)


async def test_the_whole_phone_number_is_taken_as_its_last_four(
    cases: CaseServices, lookup: Lookup
) -> None:
    outcome = await submit(cases)
    assert isinstance(outcome, Submitted)
    [message] = await lookup.ask(outcome.case_number, "我的手机是13912345678")
    assert message["custom"]["type"] == "case_status"


async def test_wrong_digits_and_an_unknown_number_get_the_same_answer(
    cases: CaseServices, deployment: Deployment, guard: LookupGuard
) -> None:
    outcome = await submit(cases)
    assert isinstance(outcome, Submitted)
    year = outcome.case_number.split("-")[1]
    wrong_digits = await Lookup(cases, guard, deployment, "a").ask(outcome.case_number, "1234")
    unknown = await Lookup(cases, guard, deployment, "b").ask(f"WQ-{year}-999999", "5678")
    assert wrong_digits == unknown
    assert [m["text"] for m in unknown] == [WRONG]
    assert outcome.case_number not in WRONG


async def test_a_lookup_without_a_number_in_the_question_asks_for_it(
    cases: CaseServices, lookup: Lookup
) -> None:
    outcome = await submit(cases)
    assert isinstance(outcome, Submitted)
    assert await lookup.start() == "lookup_number"
    assert "WQ-2026-000123" in lookup.form.transcript[-1]["text"]  # the example shape
    turn = await lookup.answer("我忘了编号")
    assert "没认出案件编号" in turn.messages[0]["text"]
    assert turn.asked == "lookup_number"
    turn = await lookup.answer(outcome.case_number)
    assert turn.asked == "phone_tail"
    turn = await lookup.answer("后四位是五六七八")
    assert turn.messages[0]["text"] == "请输入登记手机号的最后4位数字。"
    assert turn.asked == "phone_tail"
    await lookup.answer("5678")
    [message] = await lookup.result()
    assert message["text"].startswith(f"案件 {outcome.case_number}：")


async def test_the_number_made_in_this_conversation_is_offered(
    cases: CaseServices, guard: LookupGuard, deployment: Deployment
) -> None:
    outcome = await submit(cases)
    assert isinstance(outcome, Submitted)
    lookup = Lookup(cases, guard, deployment)
    lookup.slots = {"case_number": outcome.case_number}
    assert await lookup.start("我的申请怎么样了") == "phone_tail"
    await lookup.answer("5678")
    [message] = await lookup.result()
    assert outcome.case_number in message["text"]


async def test_stopping_a_lookup_says_so_and_looks_nothing_up(
    cases: CaseServices, lookup: Lookup
) -> None:
    await lookup.start()
    turn = await lookup.answer("算了")
    assert turn.done
    assert turn.messages[0]["text"] == "好的，不查了。"
    assert await lookup.result() == []


async def test_a_question_during_a_lookup_is_not_taken_as_the_number(
    cases: CaseServices, lookup: Lookup
) -> None:
    await lookup.start()
    turn = await lookup.form.say("援助中心在哪里办公？", "ask_policy")
    assert turn.rejected and turn.messages == []
    assert lookup.form.slots["lookup_number"] is None


# -- throttling --------------------------------------------------------------------------


async def test_repeated_wrong_digits_for_one_case_are_throttled(
    cases: CaseServices, guard: LookupGuard, deployment: Deployment, clock: Clock
) -> None:
    outcome = await submit(cases)
    assert isinstance(outcome, Submitted)
    number = outcome.case_number
    guesser = Lookup(cases, guard, deployment, "guesser")
    for tail in ("0000", "1111", "2222"):
        assert [m["text"] for m in await guesser.ask(number, tail)] == [WRONG]
    # Now even the right digits are refused, from any conversation, for an hour.
    for sender in ("guesser", "someone-else"):
        [message] = await Lookup(cases, guard, deployment, sender).ask(number, "5678")
        assert message["text"].startswith(
            "查询核对错误次数太多，为保护申请人的信息，请60分钟后再试。"
        )
        assert deployment.hotline.number in message["text"]
        assert "case_status" not in str(message.get("custom"))
    clock.now += timedelta(minutes=61)
    [message] = await Lookup(cases, guard, deployment, "owner").ask(number, "5678")
    assert message["custom"]["type"] == "case_status"


async def test_one_conversation_trying_many_numbers_is_throttled(
    cases: CaseServices, guard: LookupGuard, deployment: Deployment
) -> None:
    outcome = await submit(cases)
    assert isinstance(outcome, Submitted)
    year = outcome.case_number.split("-")[1]
    guesser = Lookup(cases, guard, deployment, "guesser")
    for n in range(5):
        assert [m["text"] for m in await guesser.ask(f"WQ-{year}-9000{n:02d}", "5678")] == [WRONG]
    [message] = await guesser.ask(outcome.case_number, "5678")
    assert message["text"].startswith("查询核对错误次数太多")
    # The owner, in their own conversation, is not locked out by someone else's guessing.
    [message] = await Lookup(cases, guard, deployment, "owner").ask(outcome.case_number, "5678")
    assert message["custom"]["type"] == "case_status"


async def test_a_case_system_that_is_down_is_said_plainly_and_not_counted(
    cases: CaseServices, backend: Switchable, lookup: Lookup, deployment: Deployment
) -> None:
    outcome = await submit(cases)
    assert isinstance(outcome, Submitted)
    backend.down = True
    for _ in range(4):
        [message] = await lookup.ask(outcome.case_number, "5678")
        assert message["text"].startswith("案件系统暂时连不上，查不到进度，请稍后再试。")
        assert deployment.hotline.number in message["text"]
    backend.down = False
    [message] = await lookup.ask(outcome.case_number, "5678")
    assert message["custom"]["type"] == "case_status"


# -- provisional references ----------------------------------------------------------------


async def test_a_provisional_reference_is_answered_while_queued_and_after(
    cases: CaseServices,
    backend: Switchable,
    guard: LookupGuard,
    deployment: Deployment,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(outbox_module, "FIRST_RETRY", timedelta(0))
    backend.down = True
    queued = await submit(cases)
    assert isinstance(queued, Queued)
    reference = queued.reference
    spelled = reference.lower().replace("-", " ")

    [message] = await Lookup(cases, guard, deployment, "a").ask(spelled, "5678")
    assert message["text"] == (
        f"申请 {reference} 已安全保存，正在等待案件系统恢复后自动提交，"
        "不用重复申请。提交成功后我会告诉您正式的案件编号。"
    )
    assert [
        m["text"] for m in await Lookup(cases, guard, deployment, "b").ask(reference, "1234")
    ] == [WRONG]

    backend.down = False
    assert await cases.desk.relay_once() == 1
    [record] = backend.inner.list_cases()
    first, status = await Lookup(cases, guard, deployment, "c").ask(reference, "5678")
    assert first["text"] == f"临时编号 {reference} 已正式登记。"
    assert status["text"].startswith(f"案件 {record.case_number}：已提交，等待中心审核")
    # Still the same answer for wrong digits, and nothing about the case.
    wrong = await Lookup(cases, guard, deployment, "d").ask(reference, "0000")
    assert [m["text"] for m in wrong] == [WRONG]


async def test_an_unknown_provisional_reference_reveals_nothing(
    cases: CaseServices, lookup: Lookup
) -> None:
    assert [m["text"] for m in await lookup.ask("LS-20261121-7KQ4P2", "5678")] == [WRONG]


async def test_lookups_in_parallel_conversations_do_not_interfere(
    cases: CaseServices, guard: LookupGuard, deployment: Deployment
) -> None:
    outcomes = [await submit(cases, phone=f"1390000{n:04d}", n=n) for n in range(3)]
    numbers = [o.case_number for o in outcomes if isinstance(o, Submitted)]
    answers = await asyncio.gather(
        *(
            Lookup(cases, guard, deployment, f"owner-{n}").ask(number, f"{n:04d}")
            for n, number in enumerate(numbers)
        )
    )
    assert [a[0]["custom"]["case_number"] for a in answers] == numbers
