"""No failure of an action or a form validator leaves the action server.

When a custom action raises, rasa-sdk answers Rasa with a 500 whose body
carries the whole request — the tracker: everything the person said, personal
data included — and both rasa-sdk and Rasa log it. `GuardedExecutor` puts one
guard around every action and validator it registers, so no class has to
remember to: a failure is logged by action name and exception type only, and
the person gets an answer.

- An action that fails says plainly that the assistant cannot answer right
  now and offers a person; the conversation goes on.
- A form validator that fails changes nothing: the slots Rasa extracted from
  the message go back to what they were and the form asks the same question
  again, after the same apology. A person who asks for a person or says
  goodbye is let go instead: the form steps aside for the turn (as it does for
  any message that is no answer) and the rules take over, so a broken
  validator can never hold anyone in a form.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, SlotSet
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher
from rasa_sdk.utils import call_potential_coroutine

from actions.case_form import value_before_message

log = logging.getLogger(__name__)

SORRY = "抱歉，系统暂时出了点问题，这个问题现在答不了。请稍后再试，或者转人工。"
HANDOFF_BUTTON = {"title": "转人工", "payload": "/ask_human"}
# Rasa calls a form's validator "validate_<form>" (rasa/core/actions/forms.py).
VALIDATOR_PREFIX = "validate_"
# Intents whose rules take a person out of any form.
EXITS = frozenset({"ask_human", "goodbye"})
REQUESTED_SLOT = "requested_slot"

Run = Callable[[CollectingDispatcher, Tracker, dict[str, Any]], Awaitable[list[EventType]]]


def guarded(name: str, run: Callable[..., Any]) -> Run:
    """`run` (an action's or validator's) with failures turned into an answer."""

    async def safe(
        dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        before = len(dispatcher.messages)
        try:
            events = await call_potential_coroutine(run(dispatcher, tracker, domain))
            return list(events or [])
        except Exception as exc:  # the point is to catch everything
            # Name and type only: the message may carry what the person typed.
            log.error("action %s failed: %s", name, type(exc).__name__)
            del dispatcher.messages[before:]  # drop a half-built answer, keep what came before
            if name.startswith(VALIDATOR_PREFIX):
                try:
                    return _validator_failed(
                        name.removeprefix(VALIDATOR_PREFIX), dispatcher, tracker
                    )
                except Exception as again:  # the tracker itself is unreadable
                    log.error("form of %s not restored: %s", name, type(again).__name__)
            dispatcher.utter_message(text=SORRY, buttons=[HANDOFF_BUTTON])
            return []

    return safe


def _validator_failed(
    form: str, dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    """Undo the turn's slot changes; ask again, or let a leaving person go."""
    requested = tracker.slots.get(REQUESTED_SLOT)
    # Rasa appends the slots it extracted from the message last (its candidates).
    touched = [*tracker.slots_to_validate(), *([requested] if requested else [])]
    restore = [SlotSet(s, value_before_message(tracker, s)) for s in dict.fromkeys(touched)]
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if intent in EXITS:
        return [*restore, ActionExecutionRejected(form)]
    dispatcher.utter_message(text=SORRY, buttons=[HANDOFF_BUTTON])
    # A slot set (even to what it was) keeps Rasa from rejecting the form, and
    # naming the requested slot makes the form ask that same question.
    return [*restore, *([SlotSet(REQUESTED_SLOT, requested)] if requested else [])]


class GuardedExecutor(ActionExecutor):
    """rasa-sdk's executor with every registered action and validator guarded."""

    def register_function(self, action_name: str, f: Callable[..., Any]) -> None:
        super().register_function(action_name, guarded(action_name, f))
