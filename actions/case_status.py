"""Asking about an application: case number first, then proof — the last four phone digits.

Nothing about a case is said before the digits match the phone on record. A
number that does not exist and digits that do not match get the same answer,
so trying numbers reveals nothing, and wrong tries are throttled
(cases.lookup_guard) in the action server's own database.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.case_form import INTERRUPTION_CONFIDENCE, INTERRUPTIONS
from actions.case_questions import ActionAskCaseSlot
from actions.handoff import contact_text
from cases.desk import CaseDesk
from cases.errors import BackendUnavailable
from cases.lookup_guard import LookupGuard
from cases.model import BEIJING, CaseRecord, CaseStatus
from cases.outbox import OutboxState
from knowledge.deployment import Deployment

CASE_NUMBER = re.compile(r"(?<![A-Z0-9])([A-Z]{2,4})-?(\d{4})-?(\d{6})(?!\d)")
REFERENCE = re.compile(r"(?<![A-Z0-9])LS-?(\d{8})-?([A-Z0-9]{6})(?![A-Z0-9])")
TAIL = re.compile(r"(?<!\d)(\d{4})(?!\d)")
PHONE = re.compile(r"1[3-9]\d{9}")
STOP = re.compile(r"算了|不查了|取消|退出|不用了")

NEXT_STEP = {
    CaseStatus.SUBMITTED: "工作人员审核后会电话联系您。",
    CaseStatus.ACCEPTED: "中心已受理，会安排专人跟进。",
    CaseStatus.IN_PROGRESS: "正在办理，有进展会联系您。",
    CaseStatus.TRANSFERRED: "已移交给更合适的机构办理，对方会与您联系。",
    CaseStatus.CLOSED: "案件已办结。",
    CaseStatus.REJECTED: "中心决定不予受理，具体原因工作人员会告知您。",
    CaseStatus.WITHDRAWN: "申请已撤回。",
}
WRONG = "案件编号或手机号后四位不对，请核对后再试。"


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).upper().replace(" ", "")


def read_case_number(text: str) -> str | None:
    """A case number (WQ-2026-000123) or provisional reference (LS-20261121-7KQ4P2)
    in any spacing or case, written the canonical way."""
    normal = _normal(text)
    reference = REFERENCE.search(normal)
    if reference:
        return f"LS-{reference.group(1)}-{reference.group(2)}"
    number = CASE_NUMBER.search(normal)
    if number and number.group(1) != "LS":
        return f"{number.group(1)}-{number.group(2)}-{number.group(3)}"
    return None


def lookup_questions() -> list[Action]:
    return [
        ActionAskCaseSlot(
            "lookup_number",
            lambda _tracker: (
                "请告诉我案件编号（形如 WQ-2026-000123）。系统繁忙时给您的临时编号"
                "（形如 LS-20261121-7KQ4P2）也可以。",
                [],
            ),
        ),
        ActionAskCaseSlot(
            "phone_tail",
            lambda _tracker: ("为保护申请人信息，请输入登记手机号的后四位。", []),
        ),
    ]


def _interrupted(tracker: Tracker) -> bool:
    """A question, a goodbye or a request for a person, with no number in it:
    not an answer, so the lookup form lets its rules handle it."""
    intent = tracker.latest_message.get("intent") or {}
    text = tracker.latest_message.get("text") or ""
    return (
        intent.get("name") in INTERRUPTIONS
        and float(intent.get("confidence") or 0.0) >= INTERRUPTION_CONFIDENCE
        and not re.search(r"\d{4}", _normal(text))
    )


class ValidateCaseLookupForm(FormValidationAction):
    def name(self) -> str:
        return "validate_case_lookup_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        if tracker.get_slot("requested_slot") and len(text) <= 10 and STOP.search(text):
            dispatcher.utter_message(text="好的，不查了。")
            return [
                SlotSet("lookup_number", None),
                SlotSet("phone_tail", None),
                SlotSet("requested_slot", None),
            ]
        return list(await super().run(dispatcher, tracker, domain))

    async def extract_lookup_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = tracker.latest_message.get("text") or ""
        found = read_case_number(text)
        if found:
            return {"lookup_number": found}
        if tracker.get_slot("requested_slot") == "lookup_number" and not _interrupted(tracker):
            dispatcher.utter_message(
                text="没认出案件编号。编号形如 WQ-2026-000123，在提交成功的消息里；"
                "系统繁忙时给的临时编号形如 LS-20261121-7KQ4P2，也可以用。"
            )
            return {"lookup_number": None}
        return {}

    async def extract_phone_tail(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "phone_tail" or _interrupted(tracker):
            return {}
        text = _normal(tracker.latest_message.get("text") or "")
        phone = PHONE.search(text)  # the whole number given: its last four are the answer
        tail = phone.group(0)[-4:] if phone else None
        if tail is None:
            found = TAIL.search(text)
            tail = found.group(1) if found else None
        if tail is None:
            dispatcher.utter_message(text="请输入登记手机号的最后4位数字。")
            return {"phone_tail": None}
        return {"phone_tail": tail}


class ActionQueryCase(Action):
    """Starts a lookup: the number said with the question, or the one made in this conversation."""

    def name(self) -> str:
        return "action_query_case"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        number = read_case_number(tracker.latest_message.get("text") or "")
        for entity in tracker.get_latest_entity_values("case_number"):
            number = number or read_case_number(str(entity))
        number = number or tracker.get_slot("case_number") or tracker.get_slot("case_reference")
        return [
            SlotSet("lookup_number", number),
            SlotSet("phone_tail", None),
            SlotSet("pending_offer", None),
        ]


class ActionCaseStatus(Action):
    def __init__(self, desk: CaseDesk, guard: LookupGuard, deployment: Deployment) -> None:
        self._desk = desk
        self._guard = guard
        self._deployment = deployment

    def name(self) -> str:
        return "action_case_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        done = [SlotSet("lookup_number", None), SlotSet("phone_tail", None)]
        number, tail = tracker.get_slot("lookup_number"), tracker.get_slot("phone_tail")
        if not number or not tail:
            return done  # the lookup was stopped
        sender = tracker.sender_id
        if await asyncio.to_thread(self._guard.blocked, sender, number):
            minutes = int(self._guard.window.total_seconds() // 60)
            dispatcher.utter_message(
                text=f"查询核对错误次数太多，为保护申请人的信息，请{minutes}分钟后再试。"
                + contact_text(self._deployment)
            )
            return done
        try:
            if number.startswith("LS-"):
                told = await self._provisional(dispatcher, number, tail)
            else:
                record = await self._desk.backend.get(number)
                told = record is not None and record.phone_ends_with(tail)
                if told and record is not None:
                    self._tell(dispatcher, record)
        except BackendUnavailable:
            dispatcher.utter_message(
                text="案件系统暂时连不上，查不到进度，请稍后再试。" + contact_text(self._deployment)
            )
            return done
        if not told:
            await asyncio.to_thread(self._guard.failure, sender, number)
            dispatcher.utter_message(text=WRONG)
        return done

    async def _provisional(
        self, dispatcher: CollectingDispatcher, reference: str, tail: str
    ) -> bool:
        outbox = self._desk.outbox
        entry = await asyncio.to_thread(outbox.by_reference, reference)
        if entry is None:
            return False
        if entry.state is OutboxState.DELIVERED and entry.case_number:
            record = await self._desk.backend.get(entry.case_number)
            if record is None or not record.phone_ends_with(tail):
                return False
            dispatcher.utter_message(text=f"临时编号 {reference} 已正式登记。")
            self._tell(dispatcher, record)
            return True
        if entry.state is OutboxState.PENDING:
            application = await asyncio.to_thread(outbox.application, entry.key)
            if application is None or not application.phone.endswith(tail):
                return False
            dispatcher.utter_message(
                text=f"申请 {reference} 已安全保存，正在等待案件系统恢复后自动提交，"
                "不用重复申请。提交成功后我会告诉您正式的案件编号。"
            )
            return True
        # Conflict or refused: nothing was recorded; the person should apply again.
        return False

    def _tell(self, dispatcher: CollectingDispatcher, record: CaseRecord) -> None:
        created = record.created_at.astimezone(BEIJING)
        updated = record.updated_at.astimezone(BEIJING)
        dispatcher.utter_message(
            text=(
                f"案件 {record.case_number}：{record.status.label}\n"
                f"提交时间：{created:%Y-%m-%d %H:%M}；最近更新：{updated:%Y-%m-%d %H:%M}\n"
                f"{NEXT_STEP[record.status]}"
            ),
            json_message={
                "type": "case_status",
                "case_number": record.case_number,
                "status": record.status.value,
                "status_label": record.status.label,
                "updated_at": record.updated_at.isoformat(),
            },
        )
