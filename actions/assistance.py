"""Applying for assistance and asking about an application.

Case intake in the bot (a case form and a case record) is the case-records
part of the product; until it is deployed these actions tell the person,
truthfully, where an application is made and where its status is told.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import contact_text, handoff_payload
from actions.safety import SafeAction
from knowledge.deployment import Deployment


class ActionApplyAssistance(SafeAction):
    def __init__(self, deployment: Deployment) -> None:
        self._deployment = deployment

    def name(self) -> str:
        return "action_apply_assistance"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = "援助申请由中心工作人员登记受理。" + contact_text(self._deployment)
        buttons = []
        if tracker.get_slot("eligibility_result") is None:
            text += "\n提交前可以先做个资格自测，了解能获得哪些援助。"
            buttons.append({"title": "援助资格自测", "payload": "/check_eligibility"})
        buttons.append({"title": "转人工", "payload": "/ask_human"})
        dispatcher.utter_message(
            text=text, buttons=buttons, json_message=handoff_payload(self._deployment, "apply")
        )
        return [SlotSet("pending_offer", None)]


class ActionQueryCase(SafeAction):
    def __init__(self, deployment: Deployment) -> None:
        self._deployment = deployment

    def name(self) -> str:
        return "action_query_case"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(
            text="申请的办理进度由工作人员告知，请准备好案件编号和登记的手机号。"
            + contact_text(self._deployment),
            json_message=handoff_payload(self._deployment, "case_status"),
        )
        return [SlotSet("pending_offer", None)]


class ActionDeclineOffer(SafeAction):
    def name(self) -> str:
        return "action_decline_offer"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(text="好的。还有其他问题，随时问我。")
        return [SlotSet("pending_offer", None)]


class ActionDefaultFallback(SafeAction):
    """When no policy is confident what to do next: say so, keep the conversation going."""

    def name(self) -> str:
        return "action_default_fallback"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_default")
        return []
