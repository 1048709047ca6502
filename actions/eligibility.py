"""The eligibility check: a form that asks only what the rules still need.

The rules engine (knowledge.eligibility) says which facts can still change an
outcome; the form asks those, in the rules' order, and takes any already
given — in the opening message, in any wording, or as a correction. A person
can stop at any time (算了, 不查了) or ask a policy question in between.

A typed answer to the question asked is read by the answer reader, whatever
the NLU called it (actions/form_reading.py says what the form then does): an
unclear one is asked back with the likeliest options, a question is left to
the rules, and after three failed answers to one question the check ends
with the offer of a person instead of asking it a fourth time. Buttons, the
NLU's entities (corrections: 不对，是商标) and the vocabulary keep their paths.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.answer_reader import AnswerReader
from actions.case_form import value_before_message
from actions.conversation_memory import hardship_in
from actions.form_reading import (
    Attempts,
    Heard,
    Step,
    ask_back,
    asked_this_turn,
    hear,
    labels_of,
    readable,
    stepped_aside,
)
from actions.handoff import contact_text
from actions.safety import HANDOFF_BUTTON
from actions.vocabulary import ASKING_WORDS_ONLY, FactVocabulary
from knowledge.deployment import Deployment
from knowledge.eligibility import EligibilityError, Question, RuleSet, evaluate, facts_needed
from knowledge.places import Gazetteer

STOP = re.compile(
    r"算了|不查了|不测了|不问了|不想测|不想查|不用测|不弄了|退出|取消|停止|结束自测|不做了"
)
ANSWER_INTENTS = {"inform", "affirm", "deny"}
# Words that make a message correct a fact given earlier.
CORRECTION = re.compile(r"不对|不是|错了|说错|搞错|弄错|其实|更正|改一下|改成|应该是|而是")

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
        *,
        reader: AnswerReader,
        questions: Mapping[str, Question],
    ) -> None:
        self._rules = rules
        self._deployment = deployment
        self._gazetteer = gazetteer
        self._vocabulary = vocabulary
        self._reader = reader
        self._questions = questions

    def name(self) -> str:
        return "validate_eligibility_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        if tracker.active_loop_name and STOP.search(text):
            return [SlotSet("eligibility_stopped", True), SlotSet("requested_slot", None)]
        requested = tracker.get_slot("requested_slot")
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        heard = None
        resumed = stepped_aside(tracker, self.form_name())
        if requested and not resumed and readable(self._reader, requested, text, intent):
            heard = await hear(self._reader, requested, text)
            if heard.step(text, intent) is Step.RULES:
                return self._step_aside(tracker, requested)
        events = list(await super().run(dispatcher, tracker, domain))
        if heard is not None:
            events = await self._with_reading(events, heard, dispatcher, tracker, domain)
        filled = {
            e["name"]
            for e in events
            if e.get("event") == "slot"
            and e.get("value") is not None
            and e["name"] in self._rules.facts
        }
        if not requested or filled:
            return events
        if heard is not None:
            step = heard.step(text, intent)
        elif intent in ANSWER_INTENTS:
            step = Step.HINT  # a button that does not fit this question
        else:
            return events  # no slot set: the form is rejected and the rules answer
        return events + self._not_answered(step, heard, requested, dispatcher, tracker)

    def _step_aside(self, tracker: Tracker, requested: str) -> list[EventType]:
        """Leave the message to the rules (they answer a question, then the form
        asks again): no hint, nothing counted, nothing Rasa's mappings took from
        it for the asked slot."""
        undo = [SlotSet(requested, None)] if requested in tracker.slots_to_validate() else []
        return [*undo, ActionExecutionRejected(self.form_name())]

    async def _with_reading(
        self,
        events: list[EventType],
        heard: Heard,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        """The extraction's events with the reader's word on the requested slot,
        the facts the answer volunteered, and the next slot to ask."""
        requested = heard.reading.slot
        found = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
        changes: dict[str, Any] = {}
        if heard.reading.value is not None:
            changes[requested] = heard.reading.value
            if tracker.get_slot("eligibility_attempts") is not None:
                changes["eligibility_attempts"] = None  # a new question, a new count
            if not CORRECTION.search(tracker.latest_message.get("text") or ""):
                # An answer to this question that also names a known fact
                # ("有人侵犯我的专利" after 电商平台上被侵权) only mentions it;
                # a correction says so (不对，是商标).
                for fact in self._rules.facts:
                    before = value_before_message(tracker, fact)
                    if (
                        fact != requested
                        and before is not None
                        and found.get(fact, before) != before
                    ):
                        changes[fact] = before
        elif found.get(requested) is not None and requested != "in_region":
            # The words were read as an answer to this very question and are
            # not one: a word the NLU or the vocabulary saw in them is no answer.
            # (A place the person calls theirs settles in_region: the reader
            # itself defers to it.)
            changes[requested] = None
        for fact, value in heard.volunteered.items():
            if fact in self._rules.facts and fact != requested and tracker.get_slot(fact) is None:
                changes[fact] = value
        if not changes:
            return events
        kept = [
            e
            for e in events
            if not (e.get("event") == "slot" and e["name"] in {*changes, "requested_slot"})
        ]
        added = [SlotSet(name, value) for name, value in changes.items()]
        tracker.add_slots(added)
        following = await self.next_requested_slot(dispatcher, tracker, domain)
        return kept + added + ([following] if following else [])

    def _not_answered(
        self,
        step: Step,
        heard: Heard | None,
        requested: str,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
    ) -> list[EventType]:
        """An attempt to answer that did not fit: ask back or hint, and count it,
        so the form is not rejected (which would hand the turn to other policies);
        the third failure ends the check."""
        attempts = Attempts.from_slot(tracker.get_slot("eligibility_attempts")).after(step)
        count = SlotSet("eligibility_attempts", attempts.slot_value())
        if attempts.exhausted:
            # ActionEligibilityResult says why and offers a person.
            return [count, SlotSet("eligibility_stopped", True), SlotSet("requested_slot", None)]
        question = self._questions.get(requested)
        if step is Step.ASK_BACK and heard is not None and question is not None:
            labels = labels_of(question.options, question.shown)
            dispatcher.utter_message(
                **ask_back(requested, heard.reading, labels, lambda v: option_payload(requested, v))
            )
        else:
            dispatcher.utter_message(text=self._hint(requested, attempts.failures))
        return [count]

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
        """A fact named in words the NLU did not tag, in the message that opened
        the form. Inside the form the answer reader reads the words (run): the
        asked fact, and the others only where it agrees with the vocabulary,
        so "被一家大企业侵权了" does not make the applicant a large enterprise."""
        if tracker.get_slot("requested_slot") is not None:
            return {}
        # A value the NLU tagged but the rules do not know (a stray "被") is no answer.
        if self._vocabulary.canonical(fact, tracker.get_slot(fact)) is not None:
            return {}
        value = self._vocabulary.told(fact, tracker.latest_message.get("text") or "")
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
        text = tracker.latest_message.get("text") or ""
        asked = self._answer_to(tracker, "in_region")
        # A place in any message settles it while unknown; once known, only a
        # place the NLU tagged (a correction: 我们其实在滕州) or an answer changes it.
        # The whole message is read, so whose place it is counts: in "我们是临沂的
        # 厂子，听说你们枣庄中心挺负责" 枣庄 is the centre's, 临沂 the person's.
        unknown = tracker.get_slot("in_region") is None
        named = any(True for _ in tracker.get_latest_entity_values("region"))
        if unknown or asked or named:
            place = self._deployment.in_region(text, self._gazetteer)
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
        text = tracker.latest_message.get("text") or ""
        if tracker.get_slot("requested_slot") == fact:
            canonical = self._vocabulary.find(fact, text) or self._vocabulary.canonical(fact, value)
        else:
            canonical = self._vocabulary.told(fact, text) or self._vocabulary.canonical(fact, value)
            if canonical in ASKING_WORDS_ONLY.get(fact, ()):
                canonical = None  # the NLU tagged the asking (问问) as the situation
        if canonical is None:
            # A word the NLU tagged that the rules do not know (钱不是"问题",
            # a stray 被) is no value: it never erases what was already told.
            canonical = self._vocabulary.canonical(fact, value_before_message(tracker, fact))
        return {fact: canonical}

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
        if asked_this_turn(tracker, self._question.fact):
            return []  # the validator has just asked back with the likeliest options
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
            if Attempts.from_slot(tracker.get_slot("eligibility_attempts")).exhausted:
                self._gave_up(dispatcher)
            else:
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

    def _gave_up(self, dispatcher: CollectingDispatcher) -> None:
        """The form could not read three answers to one question: say so, and
        offer a person or an application the centre will assess itself."""
        dispatcher.utter_message(
            text="抱歉，我没能弄明白您的回答，自测先到这里。"
            "工作人员可以直接帮您判断：" + contact_text(self._deployment) + "\n"
            "您也可以直接申请援助，中心会审核您的情况。",
            buttons=[HANDOFF_BUTTON, {"title": "申请援助", "payload": "/apply_assistance"}],
        )
