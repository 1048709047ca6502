"""Opening the case once the person confirmed, and telling them its number.

A number is announced only when the case system confirmed the record. Until
then the person hears the truth — the application is safe and queued, under a
provisional reference — and the real number comes with their next message.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import case_text
from actions.case_form import FORM_STATE_SLOTS, NO_NUMBER, PERSONAL_SLOTS
from actions.handoff import handoff_payload
from actions.safety import HANDOFF_BUTTON, guarded
from cases.desk import CaseDesk, Conflict, Limited, Queued, Rejected, Submitted
from cases.errors import InvalidApplication
from cases.model import CHANNELS, CaseApplication, parse_time, utc_now
from cases.outbox import OutboxState
from knowledge.deployment import Deployment

log = logging.getLogger(__name__)


def forget_application() -> list[EventType]:
    """Drop what the person typed for the application from the conversation.

    After a record is made it lives in the case system (stored once); when no
    record is made (no consent, stopped) it must not linger in the slots.
    """
    return [SlotSet(slot, None) for slot in (*PERSONAL_SLOTS, *FORM_STATE_SLOTS)]


def channel_of(tracker: Tracker) -> str:
    metadata = tracker.latest_message.get("metadata") or {}
    channel = str(metadata.get("channel") or tracker.get_latest_input_channel() or "other")
    return channel if channel in CHANNELS else "other"


def application_from(tracker: Tracker) -> CaseApplication:
    """The application exactly as confirmed in the summary; validated."""
    slot = tracker.get_slot
    individual = slot("applicant_type") == "individual"
    consent_at = slot("consent_at")
    ip_number = slot("ip_number")
    return CaseApplication(
        applicant_type=str(slot("applicant_type") or ""),
        contact_name=str(slot("contact_name") or ""),
        phone=str(slot("contact_phone") or ""),
        description=str(slot("case_description") or ""),
        consent_at=parse_time(consent_at) if consent_at else utc_now(),
        channel=channel_of(tracker),
        organization_name=None if individual else slot("organization_name"),
        credit_code=None if individual else slot("credit_code"),
        id_number=slot("id_number"),
        ip_type=slot("ip_type"),
        ip_number=None if ip_number in (None, NO_NUMBER) else ip_number,
        issue_type=slot("issue_type"),
        in_region=slot("in_region"),
        financial_hardship=slot("financial_hardship"),
        eligibility=slot("eligibility_result"),
    ).validate()


class ActionSubmitCase(Action):
    """Runs when the case form ends: submits a confirmed application, or lets go of it."""

    def __init__(self, desk: CaseDesk, deployment: Deployment) -> None:
        self._desk = desk
        self._deployment = deployment

    def name(self) -> str:
        return "action_submit_case"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if tracker.get_slot("case_consent") is False:
            dispatcher.utter_message(text=case_text.NO_CONSENT)
            return forget_application()
        if tracker.get_slot("case_stopped") or tracker.get_slot("case_confirmed") is not True:
            dispatcher.utter_message(text=case_text.STOPPED)
            return forget_application()
        try:
            application = application_from(tracker)
        except InvalidApplication as exc:
            # Cannot happen through the form; if it does, say so and keep nothing.
            log.error("confirmed application incomplete: %s", "; ".join(exc.problems))
            dispatcher.utter_message(text=case_text.rejected(self._deployment))
            return forget_application()
        key = str(tracker.get_slot("case_key"))
        try:
            outcome = await self._desk.submit(application, key=key, sender=tracker.sender_id)
        except Exception as exc:  # the local outbox itself failed: nothing was kept
            log.error("application not saved: %s", type(exc).__name__)
            dispatcher.utter_message(
                text=case_text.not_saved(self._deployment), buttons=[HANDOFF_BUTTON]
            )
            return forget_application()
        return self._tell(dispatcher, outcome)

    def _tell(self, dispatcher: CollectingDispatcher, outcome: object) -> list[EventType]:
        deployment = self._deployment
        if isinstance(outcome, Submitted):
            dispatcher.utter_message(
                text=case_text.submitted(outcome.case_number, deployment),
                json_message={
                    "type": "case_created",
                    "case_number": outcome.case_number,
                    "status": "submitted",
                },
            )
            return [
                *forget_application(),
                SlotSet("case_number", outcome.case_number),
                SlotSet("case_reference", None),
                SlotSet("case_queued", False),
            ]
        if isinstance(outcome, Queued):
            dispatcher.utter_message(
                text=case_text.queued(outcome.reference, deployment),
                json_message={"type": "case_queued", "reference": outcome.reference},
            )
            return [
                *forget_application(),
                SlotSet("case_reference", outcome.reference),
                SlotSet("case_queued", True),
            ]
        if isinstance(outcome, Conflict):
            # Nothing recorded: confirm again, which makes a fresh key.
            dispatcher.utter_message(text=case_text.CONFLICT)
            return [
                SlotSet("case_confirmed", None),
                SlotSet("case_key", None),
                FollowupAction("case_form"),
            ]
        if isinstance(outcome, Limited):
            dispatcher.utter_message(
                text=case_text.limited(outcome.limit, deployment),
                json_message=handoff_payload(deployment, "case_limit"),
            )
            return forget_application()
        if isinstance(outcome, Rejected):
            dispatcher.utter_message(
                text=case_text.rejected(deployment),
                buttons=[HANDOFF_BUTTON],
                json_message=handoff_payload(deployment, "case_rejected"),
            )
            return forget_application()
        raise TypeError(f"unknown outcome {type(outcome).__name__}")


class ActionCancelCase(Action):
    """The person left the case form (a person, goodbye): nothing is kept."""

    def name(self) -> str:
        return "action_cancel_case"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if any(tracker.get_slot(slot) is not None for slot in PERSONAL_SLOTS):
            dispatcher.utter_message(text="申请没有提交，您刚才填写的信息已清除。")
        return forget_application()


class CaseNews:
    """Tells a person the number of an application delivered since they were told it was queued."""

    def __init__(self, desk: CaseDesk, deployment: Deployment) -> None:
        self._desk = desk
        self._deployment = deployment

    async def tell(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, *, settle: bool = True
    ) -> list[EventType]:
        """Say each number not yet told; with `settle`, also clear case_queued
        once nothing of this conversation waits any more."""
        try:
            news = await self._desk.news_for(tracker.sender_id)
            events: list[EventType] = []
            for entry in news:
                if entry.state is not OutboxState.DELIVERED or not entry.case_number:
                    dispatcher.utter_message(
                        text=case_text.not_recorded(entry.reference, self._deployment),
                        json_message={"type": "case_not_recorded", "reference": entry.reference},
                    )
                    await self._desk.mark_told(entry)
                    events.append(SlotSet("case_reference", None))
                    continue
                dispatcher.utter_message(
                    text=case_text.delivered_later(
                        entry.reference, entry.case_number, self._deployment
                    ),
                    json_message={
                        "type": "case_created",
                        "case_number": entry.case_number,
                        "reference": entry.reference,
                        "status": "submitted",
                    },
                )
                await self._desk.mark_told(entry)
                events += [
                    SlotSet("case_number", entry.case_number),
                    SlotSet("case_reference", None),
                ]
            queued = tracker.get_slot("case_queued")
            if settle and queued and not await self._desk.waiting_for(tracker.sender_id):
                events.append(SlotSet("case_queued", False))
            return events
        except Exception as exc:  # news must never break the answer it precedes
            log.error("case news failed: %s", type(exc).__name__)
            return []


class WithCaseNews(Action):
    """Any action, preceded by news of a queued application that got its number.

    The action runs under the executor's guard of its own, so news already
    told (and marked told) stays in the reply when the answer after it fails.
    """

    def __init__(self, action: Action, news: CaseNews) -> None:
        self._action = action
        self._news = news

    def name(self) -> str:
        return self._action.name()

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events = await self._news.tell(dispatcher, tracker)
        answer = guarded(self.name(), self._action.run)
        return [*events, *await answer(dispatcher, tracker, domain)]


class ActionCaseNews(Action):
    """Run before every small-talk answer (see the rules); silent when there is no news."""

    def __init__(self, news: CaseNews) -> None:
        self._news = news

    def name(self) -> str:
        return "action_case_news"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return await self._news.tell(dispatcher, tracker)
