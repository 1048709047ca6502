"""No exception leaves an action.

When a custom action raises, rasa-sdk answers Rasa with a 500 whose body can
carry the whole tracker — everything the person said, personal data included
— and Rasa logs it. Every action here derives from SafeAction: a failure is
logged by type and action name only, the person is told plainly that the
assistant cannot answer right now and offered a person, and the conversation
goes on.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

log = logging.getLogger(__name__)

SORRY = "抱歉，系统暂时出了点问题，这个问题现在答不了。请稍后再试，或者转人工。"
HANDOFF_BUTTON = {"title": "转人工", "payload": "/ask_human"}


class SafeAction(Action, ABC):
    """An action whose failures become a polite reply instead of an HTTP 500."""

    @abstractmethod
    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """What the action does; may raise."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        before = len(dispatcher.messages)
        try:
            return await self.act(dispatcher, tracker, domain)
        except Exception as exc:  # the point is to catch everything
            # Type and action only: the message may carry what the person typed.
            log.error("action %s failed: %s", self.name(), type(exc).__name__)
            del dispatcher.messages[before:]  # drop a half-built answer, keep what came before
            dispatcher.utter_message(text=SORRY, buttons=[HANDOFF_BUTTON])
            return []
