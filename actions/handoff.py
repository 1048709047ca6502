"""Hand the person over to a human: hotline and hours, and an event channels act on."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from knowledge.deployment import Deployment


def handoff_payload(deployment: Deployment, reason: str) -> dict[str, Any]:
    """The `handoff` custom payload: WeChat turns it into a transfer to customer
    service, the widget shows its 转人工 state, the console flags the conversation."""
    hotline = deployment.hotline
    return {
        "type": "handoff",
        "reason": reason,
        "centre": deployment.centre,
        "hotline": hotline.number,
        "hotline_name": hotline.name,
        "hours": hotline.hours,
    }


def contact_text(deployment: Deployment) -> str:
    hotline = deployment.hotline
    text = f"请拨打{hotline.name}：{hotline.number}（{hotline.hours}）。"
    if hotline.note:
        text += hotline.note
    if deployment.offices:
        text += f"也可以到{deployment.offices}当面咨询。"
    return text


class ActionHandoff(Action):
    def __init__(self, deployment: Deployment) -> None:
        self._deployment = deployment

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(
            text="好的，为您转人工。" + contact_text(self._deployment),
            json_message=handoff_payload(self._deployment, "requested"),
        )
        return [SlotSet("pending_offer", None)]
