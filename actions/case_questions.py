"""The case form's questions: one action per slot, each with the form_question payload.

Actions rather than domain responses because the wording depends on the
deployment (the centre, its retention period) and on earlier answers (the
kind of right decides which number is asked for).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import case_text
from actions.case_form import NUMBERED_RIGHTS
from actions.eligibility import ActionAskFact
from actions.form_reading import asked_this_turn
from knowledge.deployment import Deployment
from knowledge.eligibility import Question

Button = dict[str, str]
Compose = Callable[[Tracker], tuple[str, list[Button]]]


def _button(title: str, payload: str | None = None) -> Button:
    # A payload without "/" is read as text: the validators understand it.
    return {"title": title, "payload": payload or title}


class ActionAskCaseSlot(Action):
    def __init__(self, slot: str, compose: Compose) -> None:
        self._slot = slot
        self._compose = compose

    def name(self) -> str:
        return f"action_ask_{self._slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if asked_this_turn(tracker, self._slot):
            return []  # the validator has just asked back with the likeliest answers
        text, buttons = self._compose(tracker)
        dispatcher.utter_message(
            text=text, buttons=buttons, json_message={"type": "form_question", "slot": self._slot}
        )
        return []


def _fix_buttons(deployment: Deployment, tracker: Tracker) -> list[Button]:
    buttons = [_button("联系人", "修改联系人"), _button("手机号", "修改手机号")]
    if deployment.cases.require_id_number:
        buttons.append(_button("身份证号", "修改身份证号"))
    if tracker.get_slot("applicant_type") not in (None, "individual"):
        buttons += [_button("单位名称", "修改单位名称"), _button("信用代码", "修改信用代码")]
    if tracker.get_slot("ip_type") in NUMBERED_RIGHTS:
        buttons.append(_button("权利编号", "修改编号"))
    buttons += [
        _button("申请人类型", "修改申请人类型"),
        _button("权利类型", "修改权利类型"),
        _button("情况描述", "修改情况描述"),
        _button("没有要改的", "没问题"),
    ]
    return buttons


def case_questions(deployment: Deployment, questions: dict[str, Question]) -> list[Action]:
    """Every question of the case form, for this centre."""

    def fixed(text: str, *buttons: Button) -> Compose:
        return lambda _tracker: (text, list(buttons))

    def summary(tracker: Tracker) -> tuple[str, list[Button]]:
        slots = {name: tracker.get_slot(name) for name in tracker.slots}
        if slots.get("applicant_type") == "individual":
            slots["organization_name"] = slots["credit_code"] = None
        buttons = [
            _button("确认提交", "/affirm"),
            _button("修改"),
            _button("取消申请", "不申请了"),
        ]
        return case_text.summary(slots, questions), buttons

    asks: list[Action] = [
        ActionAskCaseSlot(
            "case_consent",
            fixed(
                case_text.consent_notice(deployment),
                _button("同意", "/affirm"),
                _button("不同意", "/deny"),
            ),
        ),
        ActionAskCaseSlot(
            "contact_name", fixed("好的。请问联系人怎么称呼？填姓名或“王女士”这样的称呼都可以。")
        ),
        ActionAskCaseSlot("contact_phone", fixed("请留一个手机号，工作人员会用它联系您。")),
        ActionAskCaseSlot("id_number", fixed(case_text.id_notice(deployment))),
        ActionAskCaseSlot(
            "organization_name", fixed("请填写单位全称，与营业执照或登记证书上一致。")
        ),
        ActionAskCaseSlot(
            "credit_code", fixed("请填写单位的18位统一社会信用代码，在营业执照或登记证书上。")
        ),
        ActionAskCaseSlot(
            "ip_number",
            lambda tracker: (
                case_text.ip_number_question(tracker.get_slot("ip_type")),
                [_button("没有")],
            ),
        ),
        ActionAskCaseSlot(
            "case_description",
            fixed("请用几句话说说发生了什么：对方是谁、做了什么、什么时候发现的、造成了什么影响。"),
        ),
        ActionAskCaseSlot("case_confirmed", summary),
        ActionAskCaseSlot(
            "case_fix", lambda tracker: ("要修改哪一项？", _fix_buttons(deployment, tracker))
        ),
    ]
    asks += [
        ActionAskFact(questions[fact], form="case_form")
        for fact in ("applicant_type", "ip_type")
        if fact in questions
    ]
    return asks
