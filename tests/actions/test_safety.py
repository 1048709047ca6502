"""No exception leaves an action, and nothing the person typed reaches the log."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.assistance import ActionApplyAssistance, ActionDeclineOffer
from actions.handoff import ActionHandoff
from actions.safety import SORRY, SafeAction
from knowledge.deployment import Deployment
from tests.actions.conftest import run, slots_set, tracker


class Broken(SafeAction):
    def name(self) -> str:
        return "action_broken"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(text="half an answer")
        raise RuntimeError("13800138000 leaked in an error")


def test_a_failing_action_answers_politely(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        events, messages = run(Broken(), tracker("我的电话13800138000", "ask_policy"))
    assert events == []
    assert [m["text"] for m in messages] == [SORRY]
    assert messages[0]["buttons"][0]["payload"] == "/ask_human"
    assert "RuntimeError" in caplog.text
    assert "13800138000" not in caplog.text


def test_handoff_gives_the_hotline_and_an_event_channels_act_on(deployment: Deployment) -> None:
    events, [message] = run(ActionHandoff(deployment), tracker("转人工", "ask_human"))
    assert "12345" in message["text"] and "全天24小时" in message["text"]
    assert message["custom"]["type"] == "handoff" and message["custom"]["hotline"] == "12345"
    assert slots_set(events)["pending_offer"] is None


def test_applying_opens_the_form_and_a_declined_offer_is_cleared() -> None:
    events, [apply] = run(ActionApplyAssistance(), tracker("我要申请援助", "apply_assistance"))
    assert "申请" in apply["text"]
    assert slots_set(events) == {"pending_offer": None}
    events, _ = run(
        ActionDeclineOffer(), tracker("不用了", "deny", slots={"pending_offer": "handoff"})
    )
    assert slots_set(events) == {"pending_offer": None}
