"""The eligibility check: a form that asks only what the rules still need.

The rules engine (knowledge.eligibility) says which facts can still change an
outcome; the form asks those, in the rules' order, and takes any already
given — in the opening message, in any wording, or as a correction. A person
can stop at any time (算了, 不查了) or ask a policy question in between.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.conversation_memory import hardship_in
from actions.handoff import contact_text
from actions.vocabulary import FactVocabulary
from knowledge.deployment import Deployment
from knowledge.eligibility import EligibilityError, Question, RuleSet, evaluate, facts_needed
from knowledge.places import Gazetteer

STOP = re.compile(
    r"算了|不查了|不测了|不问了|不想测|不想查|不用测|不弄了|退出|取消|停止|结束自测|不做了"
)
ANSWER_INTENTS = {"inform", "affirm", "deny"}

FINANCIAL_ASSISTANCE = {
    "eligible": "符合资金援助条件",
    "not_eligible": "暂不符合资金援助条件",
    "review": "能否获得资金援助，需中心个案审核",
}
REFERRAL: dict[str | None, str] = {
    None: "由本中心受理",
    "transfer_region": "将移交所在地的维权援助机构办理",
    "overseas_center": "由国家海外知识产权纠纷应对指导中心提供应对指导",
}


def known_facts(rules: RuleSet, tracker: Tracker) -> dict[str, Any]:
    return {name: tracker.get_slot(name) for name in rules.facts}


class ValidateEligibilityForm(FormValidationAction):
    """Extracts and validates the facts; decides which are still worth asking."""

    def __init__(
        self,
        rules: RuleSet,
        deployment: Deployment,
        gazetteer: Gazetteer,
        vocabulary: FactVocabulary,
    ) -> None:
        self._rules = rules
        self._deployment = deployment
        self._gazetteer = gazetteer
        self._vocabulary = vocabulary

    def name(self) -> str:
        return "validate_eligibility_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        if tracker.active_loop_name and STOP.search(text):
            return [SlotSet("eligibility_stopped", True), SlotSet("requested_slot", None)]
        requested = tracker.get_slot("requested_slot")
        events = list(await super().run(dispatcher, tracker, domain))
        filled = {
            e["name"]
            for e in events
            if e.get("event") == "slot"
            and e.get("value") is not None
            and e["name"] in self._rules.facts
        }
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if requested and not filled and intent in ANSWER_INTENTS:
            # An attempt to answer that did not fit: count it, so the form is
            # not rejected (which would hand the turn to other policies), and
            # say what is needed.
            attempts = int(tracker.get_slot("eligibility_attempts") or 0) + 1
            dispatcher.utter_message(text=self._hint(requested, attempts))
            events.append(SlotSet("eligibility_attempts", attempts))
        return events

    def _hint(self, fact: str, attempts: int) -> str:
        if attempts >= 2:
            return (
                "还是没能确定。可以点下面的按钮选择；不确定的话说“算了”结束自测，或者说“转人工”。"
            )
        if fact == "in_region":
            return "请回答“是”或“不是”，或者直接说在哪个城市、区县（比如“薛城区”“济南”）。"
        return "没太听明白，请点下面的按钮选一项，或者换个说法。"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        facts = {k: v for k, v in known_facts(self._rules, tracker).items() if v is not None}
        try:
            needed = facts_needed(self._rules, facts)
        except EligibilityError:
            needed = list(self._rules.facts)
        # Facts already known stay listed so a correction is validated too.
        return [name for name in self._rules.facts if name in facts or name in needed]

    # -- extraction beyond the NLU's entities --------------------------------

    def _answer_to(self, tracker: Tracker, fact: str) -> bool:
        return tracker.get_slot("requested_slot") == fact

    def _from_words(self, fact: str, tracker: Tracker) -> dict[str, Any]:
        """A fact named in words the NLU did not tag: in the message that opened
        the form, in the answer to its question, or volunteered in any answer."""
        requested = tracker.get_slot("requested_slot")
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        # A value the NLU tagged but the rules do not know (a stray "被") is no answer.
        if self._vocabulary.canonical(fact, tracker.get_slot(fact)) is not None:
            return {}
        if intent == "ask_policy" and requested is not None:
            return {}  # a question about 电商平台 is not the answer "电商平台"
        if requested not in (None, fact) and intent not in ANSWER_INTENTS:
            return {}
        value = self._vocabulary.find(fact, tracker.latest_message.get("text") or "")
        return {fact: value} if value else {}

    async def extract_issue_type(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._from_words("issue_type", tracker)

    async def extract_ip_type(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._from_words("ip_type", tracker)

    async def extract_applicant_type(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._from_words("applicant_type", tracker)

    async def extract_in_region(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        named = " ".join(tracker.get_latest_entity_values("region"))
        asked = self._answer_to(tracker, "in_region")
        # A place in any message settles it while unknown; once known, only a
        # place tagged as the person's own (a correction) or an answer changes it.
        unknown = tracker.get_slot("in_region") is None
        text = named or (tracker.latest_message.get("text") or "" if unknown or asked else "")
        place = self._deployment.in_region(text, self._gazetteer) if text else None
        if place is not None:
            return {"in_region": place}
        if asked:
            intent = (tracker.latest_message.get("intent") or {}).get("name")
            if intent in ("affirm", "deny"):
                return {"in_region": intent == "affirm"}
        return {}

    async def extract_financial_hardship(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        asked = self._answer_to(tracker, "financial_hardship")
        if tracker.get_slot("financial_hardship") is not None and not asked:
            return {}
        hardship = hardship_in(tracker.latest_message.get("text") or "")
        if hardship is not None:
            return {"financial_hardship": hardship}
        if asked:
            intent = (tracker.latest_message.get("intent") or {}).get("name")
            if intent in ("affirm", "deny"):
                return {"financial_hardship": intent == "affirm"}
        return {}

    # -- validation: only values the rules know ------------------------------

    def _canonical(self, fact: str, value: Any, tracker: Tracker) -> dict[str, Any]:
        """The value as the rules name it, read again from the words when they say more.

        The NLU tags one span; the words may negate it (是专利不是商标) or name
        a more specific case (商标在展会上被仿冒): the vocabulary reads both.
        """
        from_words = self._vocabulary.find(fact, tracker.latest_message.get("text") or "")
        return {fact: from_words or self._vocabulary.canonical(fact, value)}

    async def validate_issue_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._canonical("issue_type", value, tracker)

    async def validate_ip_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._canonical("ip_type", value, tracker)

    async def validate_applicant_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._canonical("applicant_type", value, tracker)

    async def validate_in_region(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return {"in_region": value if isinstance(value, bool) else None}

    async def validate_financial_hardship(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return {"financial_hardship": value if isinstance(value, bool) else None}


class ActionAskFact(Action):
    """Asks one fact of the form, with a button per value and the form_question payload."""

    def __init__(self, question: Question, form: str = "eligibility_form") -> None:
        self._question = question
        self._form = form  # the case form asks the applicant and the right the same way

    def name(self) -> str:
        return f"action_ask_{self._form}_{self._question.fact}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(
            text=self._question.text,
            buttons=[
                {"title": label, "payload": option_payload(self._question.fact, value)}
                for value, label in self._question.options.items()
            ],
            json_message={"type": "form_question", "slot": self._question.fact},
        )
        return []


def option_payload(fact: str, value: Any) -> str:
    """A button's payload: yes/no for a true/false fact, else the value as an entity."""
    if isinstance(value, bool):
        return "/affirm" if value else "/deny"
    return "/inform" + json.dumps({fact: value}, ensure_ascii=False)


def _situation(facts: dict[str, Any], questions: dict[str, Question]) -> str:
    labels = [questions[f].shown[v] for f, v in facts.items() if v is not None and f in questions]
    return "您的情况：" + " · ".join(labels)


def _summary(result: dict[str, Any]) -> str:
    lines = ["自测结果（供参考，以中心审核为准）："]
    lines.append("· 免费咨询指导：可以")
    lines.append(
        "· 侵权判定参考意见："
        + ("可以申请" if result["infringement_opinion"] else "您的情况不涉及")
    )
    lines.append("· 资金援助：" + FINANCIAL_ASSISTANCE[result["financial_assistance"]])
    lines.append("· 办理：" + REFERRAL[result["referral"]])
    return "\n".join(lines)


def _reasons(result: dict[str, Any], max_chars: int = 600) -> str:
    lines = ["理由和依据："]
    seen: set[str] = set()
    for outcome in ("financial_assistance", "referral", "infringement_opinion", "consultation"):
        basis = [b for b in result["basis"] if b["outcome"] == outcome]
        if not basis or basis[0]["explain"] in seen:
            continue
        seen.add(basis[0]["explain"])
        quotes = "；".join(f"{b['section']}“{b['quote']}”" for b in basis[:2])
        lines.append(f"{len(lines)}. {basis[0]['explain']}（{quotes}）")
    first = result["basis"][0]
    source = f"以上依据：{first['citation'].rsplit(' ', 1)[0]}"
    text = "\n".join(lines)
    room = max_chars - len(source) - 1
    return (text if len(text) <= room else text[: room - 1] + "…") + "\n" + source


class ActionEligibilityResult(Action):
    """Tells the outcome in plain words with the clauses, then offers to apply."""

    def __init__(
        self, rules: RuleSet, questions: dict[str, Question], deployment: Deployment
    ) -> None:
        self._rules = rules
        self._questions = questions
        self._deployment = deployment

    def name(self) -> str:
        return "action_eligibility_result"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reset = [SlotSet("eligibility_stopped", None), SlotSet("eligibility_attempts", None)]
        if tracker.get_slot("eligibility_stopped"):
            dispatcher.utter_message(response="utter_eligibility_stopped")
            return reset
        facts = known_facts(self._rules, tracker)
        still = facts_needed(self._rules, facts)
        if still:
            dispatcher.utter_message(
                text="信息还不全，暂时给不出结果。说“援助资格自测”可以继续。"
                + contact_text(self._deployment)
            )
            return reset
        result = evaluate(self._rules, facts).to_dict()
        dispatcher.utter_message(
            text=_situation(facts, self._questions) + "\n" + _summary(result),
            json_message={"type": "eligibility_result", "result": result},
        )
        dispatcher.utter_message(text=_reasons(result))
        dispatcher.utter_message(
            text="需要现在申请援助吗？",
            buttons=[
                {"title": "申请援助", "payload": "/apply_assistance"},
                {"title": "不用了", "payload": "/deny"},
            ],
        )
        return [
            *reset,
            SlotSet("eligibility_result", result),
            SlotSet("pending_offer", "apply_assistance"),
        ]
