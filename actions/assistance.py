"""Starting an application or the check, declining an offer, and the fallback."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher


class ActionApplyAssistance(Action):
    """Opens the case form (the rule activates it right after this action)."""

    def name(self) -> str:
        return "action_apply_assistance"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = "好的，我来帮您在线提交维权援助申请，几分钟就好。"
        if tracker.get_slot("eligibility_result") is None:
            text += "申请后中心会审核您能获得哪些援助。"
        dispatcher.utter_message(text=text)
        return [SlotSet("pending_offer", None)]


class ActionStartCheck(Action):
    """Yes to the offered check: clears the offer; the rule then activates the form."""

    def name(self) -> str:
        return "action_start_check"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(text="好的，我问几个问题，已经说过的不再问。")
        return [SlotSet("pending_offer", None)]


class ActionDeclineOffer(Action):
    def name(self) -> str:
        return "action_decline_offer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(text="好的。还有其他问题，随时问我。")
        return [SlotSet("pending_offer", None)]


class ActionDefaultFallback(Action):
    """When no policy is confident what to do next: say so, keep the conversation going."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_default")
        return []
