"""The case form: consent first, then only what the application needs, then a summary.

Every answer is read from the person's own words by the validators here (a
phone number, a name, a code with a check character) rather than by the NLU:
what matters is whether the text *is* a valid answer, whatever intent the
model guessed. A message that is not an answer but a question, a request for a
person or a goodbye is left unread, so Rasa rejects the form for that turn and
the form's rules answer it (bot/data/rules.yml) before the form asks again.

The two yes/no steps (consent, the summary's confirmation) read their words
first with the patterns below, precise on the words they list; what those
leave unread goes to the answer reader (actions/form_reading.py): "行吧，
可以" is a yes, "不太想" is asked back ("您是指“同意”还是“不同意”？"), and a
question there ("多久能有结果") is left to the rules whatever its confidence.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.answer_reader import AnswerReader
from actions.case_text import NO_NUMBER
from actions.form_reading import Heard, Step, ask_back, hear, readable, stepped_aside
from actions.vocabulary import FactVocabulary
from cases import personal_slots, validation
from cases.model import MAX_DESCRIPTION, utc_now
from knowledge.deployment import Deployment
from knowledge.utterance import asks

# What the person typed and the bot collected for the application. Dropped
# from the conversation when it ends, with or without a record; the tracker
# store keeps these slots sealed meanwhile (cases/personal_slots.py).
PERSONAL_SLOTS = tuple(personal_slots.PERSONAL_SLOTS)
FORM_STATE_SLOTS = (
    "case_consent",
    "consent_at",
    "case_confirmed",
    "case_fix",
    "case_key",
    "case_attempts",
    "case_stopped",
)
NUMBERED_RIGHTS = frozenset(
    {"patent", "trademark", "copyright", "plant_variety", "geographical_indication"}
)
# Intents that, when a message is no answer, belong to the form's rules.
INTERRUPTIONS = frozenset({"ask_policy", "ask_human", "goodbye", "bot_challenge", "out_of_scope"})
INTERRUPTION_CONFIDENCE = 0.6
MAX_ATTEMPTS = 3
MIN_DESCRIPTION = 8

STOP = re.compile(r"取消|不申请|不办了|不提交|算了|不弄了|退出|不填了|不想填|停止申请|不要了")
YES = re.compile(r"^(?:同意|可以|好的?|行|是的?|对|确认|确定|没问题|无误|提交|嗯+|ok|yes)")
NO = re.compile(r"不同意|不可以|不行|不愿意|拒绝|不要|不想|^不$|^否|^no\b")
CHANGE = re.compile(r"修改|改一下|不对|有误|错了|写错|改")
KEEP = re.compile(r"不用改|不需要改|无需改|不必改|不改|没有要改|不用修改|不需要修改|无需修改")
# A yes-word opening a hesitation or a question ("嗯…我想想", "可以问一下吗？") is no yes.
UNSURE = re.compile(r"想想|考虑|等等|等一下|再说|吗|[?？]")
NONE_AT_HAND = re.compile(r"没有|不知道|不清楚|忘了|记不得|还没|暂无|无|跳过|不记得|没申请|没注册")
NAME_PREFIX = re.compile(r"^(?:我叫|我是|姓名[是:：]?|名字[是:：]?|联系人[是:：]?|叫)")
NAME_CHARS = re.compile(r"[\u4e00-\u9fff·•A-Za-z .]{2,30}")
# Question particles and words that no name or form of address contains.
QUESTION_WORDS = re.compile(
    r"[吗呢嘛]$|什么|怎么|怎样|多少|哪里|哪儿|哪些|如何|为什么|能不能|可不可以|是不是"
)
# 11 digits, whole or with the separators people type between them (the same
# the validator drops: spaces, dashes, dots, brackets, full-width ones too),
# maybe after +86/0086; not glued to more digits (then it is part of a longer
# number, or a typo). The validator then reads what was found.
_SEP = "[\\s" + re.escape("".join(sorted(validation.NUMBER_SEPARATORS))) + "－．（）]*"
_DIGIT = "[0-9０-９]"
PHONE_LIKE = re.compile(
    rf"(?<![0-9０-９+＋])(?:(?:\+|00)?86{_SEP})?[(（]?[1１](?:{_SEP}{_DIGIT}){{10}}(?![0-9０-９])"
)
ORGANISATION_WORDS = r"公司|厂|中心|协会|学会|学校|大学|学院|研究|商行|店|社|所|院|集团"
CREDIT_LIKE = re.compile(r"[0-9A-Za-z]{18}")
FIX_FIELDS = (
    (re.compile(r"姓名|名字|联系人"), "contact_name"),
    (re.compile(r"手机|电话|号码"), "contact_phone"),
    (re.compile(r"身份证"), "id_number"),
    (re.compile(r"信用代码|代码"), "credit_code"),
    (re.compile(r"单位|公司|名称"), "organization_name"),
    (re.compile(r"专利号|商标号|注册号|登记号|权利号|编号"), "ip_number"),
    (re.compile(r"权利类型|哪种权利|知识产权类型"), "ip_type"),
    (re.compile(r"申请人类型|身份|个人还是"), "applicant_type"),
    (re.compile(r"情况|描述|经过|内容"), "case_description"),
)


def _has_digits(count: int) -> Callable[[str], bool]:
    return lambda text: re.search(rf"\d{{{count}}}", text) is not None


# Whether a message classified as a question or a goodbye still reads as an
# answer to the slot asked (a phone number is an answer whatever the intent).
LOOKS_LIKE_ANSWER: dict[str, Callable[[str], bool]] = {
    "contact_name": lambda text: len(text) <= 6 and not QUESTION_WORDS.search(text),
    "contact_phone": _has_digits(4),
    "id_number": _has_digits(6),
    "organization_name": lambda text: re.search(ORGANISATION_WORDS, text) is not None,
    "credit_code": _has_digits(4),
    "ip_number": _has_digits(4),
    "case_description": lambda text: len(text) >= MIN_DESCRIPTION,
}
# How to answer a question whose answer could not be read at all.
HINTS = {
    "case_consent": "请回答“同意”或“不同意”。",
    "applicant_type": "请点按钮选择申请人的类型，比如“个人”或“中小微企业”。",
    "ip_type": "请点按钮选择涉及的知识产权，比如“专利”或“商标”。",
    "case_confirmed": "信息无误请回复“确认提交”，需要修改请回复“修改”。",
    "case_fix": "请点按钮选择要修改的内容。",
}

# The yes/no steps the answer reader also reads, with their buttons' labels
# and payloads (actions/case_questions.py), for asking back.
YES_NO_STEPS: dict[str, dict[bool, tuple[str, str]]] = {
    "case_consent": {True: ("同意", "/affirm"), False: ("不同意", "/deny")},
    "case_confirmed": {True: ("确认提交", "/affirm"), False: ("修改", "修改")},
}
# Intents whose case-form rule answers a question, then resumes the form.
ANSWERING_RULES = frozenset({"ask_policy", "nlu_fallback", "check_eligibility"})

# Said after repeated failures, with the question whether to go on.
EXPLANATIONS = {
    "contact_name": "需要一个称呼，方便工作人员联系时找到您，填姓名或“王先生”这样的称呼都可以。",
    "contact_phone": "需要一个能接通的中国大陆11位手机号，工作人员会用它联系您。",
    "id_number": "需要申请人本人的18位居民身份证号码，用于核实身份。",
    "organization_name": "需要单位在营业执照或登记证书上的全称。",
    "credit_code": "需要单位营业执照或登记证书上的18位统一社会信用代码。",
    "ip_number": "权利编号不是必填的，手头没有可以直接说“没有”。",
    "case_description": "需要用几句话说说发生了什么：对方是谁、做了什么、什么时候发现的。",
}


def _text(tracker: Tracker) -> str:
    return unicodedata.normalize("NFKC", tracker.latest_message.get("text") or "").strip()


def _intent(tracker: Tracker) -> tuple[str | None, float]:
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


# Events after which no slot keeps its earlier value.
_RESETS = frozenset({"restart", "session_started", "reset_slots"})


def value_before_message(tracker: Tracker, slot: str) -> Any:
    """The value `slot` had before the person's latest message.

    Rasa's own slot mappings run before the form's validation and may already
    have changed it from an entity in that message; the history still holds
    what it was.
    """
    past_latest_message = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            past_latest_message = True
        elif kind in _RESETS:
            return None
        elif past_latest_message and kind == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


def idempotency_key(sender_id: str, message_id: str) -> str:
    """The key of one confirmed submission: the conversation and the confirming message.

    A re-run of the action sees the same message and so the same key; the key
    is kept in a slot, so whatever happens later the submission keeps it.
    """
    return hashlib.sha256(f"{sender_id}\x1f{message_id}".encode()).hexdigest()[:40]


def answer_words(text: str) -> str:
    """Yes/no words lower-cased, without the punctuation people add."""
    return re.sub(r"[\s,，。.!！~～]", "", text.lower())


def yes_or_no(tracker: Tracker) -> bool | None:
    text = answer_words(_text(tracker))
    if NO.search(text):
        return False
    if UNSURE.search(text):
        return None
    intent, _ = _intent(tracker)
    if intent == "affirm" or YES.search(text):
        return True
    if intent == "deny":
        return False
    return None


class ValidateCaseForm(FormValidationAction):
    def __init__(
        self,
        deployment: Deployment,
        vocabulary: FactVocabulary,
        reader: AnswerReader | None = None,
    ) -> None:
        self._deployment = deployment
        self._vocabulary = vocabulary
        self._reader = reader  # None: the yes/no steps read only their patterns

    def name(self) -> str:
        return "validate_case_form"

    # -- the order of questions ----------------------------------------------

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        slots = ["case_consent"]
        if tracker.get_slot("case_consent") is not True:
            return slots
        applicant = tracker.get_slot("applicant_type")
        ip_type = tracker.get_slot("ip_type")
        slots += ["applicant_type", "ip_type", "contact_name", "contact_phone"]
        if self._deployment.cases.require_id_number:
            slots.append("id_number")
        if applicant is not None and applicant != "individual":
            slots += ["organization_name", "credit_code"]
        if ip_type in NUMBERED_RIGHTS:
            slots.append("ip_number")
        slots += ["case_description", "case_confirmed"]
        if tracker.get_slot("case_confirmed") is False:
            slots.append("case_fix")
        return slots

    # -- every turn ------------------------------------------------------------

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = _text(tracker)
        requested = tracker.get_slot("requested_slot")
        if requested != "case_description" and len(text) <= 15 and STOP.search(text):
            return [SlotSet("case_stopped", True), SlotSet("requested_slot", None)]
        attempts = int(tracker.get_slot("case_attempts") or 0)
        # Only questions whose refusals end in "要继续填写吗？" take a yes/no to it; a
        # choice or yes/no question (HINTS) never asks it, so its yes is the answer.
        if requested and requested not in HINTS and attempts >= MAX_ATTEMPTS:
            go_on = yes_or_no(tracker)
            if go_on is False:
                return [SlotSet("case_stopped", True), SlotSet("requested_slot", None)]
            if go_on is True:  # ask the same question again, from a clean count
                return [SlotSet("case_attempts", 0), SlotSet("requested_slot", requested)]
        resumed = stepped_aside(tracker, self.form_name())
        heard = None if resumed else await self._yes_or_no_read(tracker, requested)
        if (
            heard is not None
            and heard.step(text, _intent(tracker)[0], ANSWERING_RULES) is Step.RULES
        ):
            return [ActionExecutionRejected(self.form_name())]  # the rules answer, then ask again
        events = self._known_choices(tracker)
        events += list(await super().run(dispatcher, tracker, domain))
        answered = any(e.get("event") == "slot" and e.get("name") == requested for e in events)
        if resumed or not requested or answered:
            return events
        if heard is not None and heard.step(text, _intent(tracker)[0]) is Step.ASK_BACK:
            options = YES_NO_STEPS[requested]
            labels = {value: label for value, (label, _) in options.items()}
            dispatcher.utter_message(
                **ask_back(requested, heard.reading, labels, lambda v: options[v][1])
            )
            events.append(SlotSet("case_attempts", attempts + 1))
        elif self._answer(tracker, requested) is not None:
            # An attempt to answer that could not be read (a choice question
            # answered off the buttons): say how to answer, and count it, which
            # also keeps the form from being rejected for this turn.
            attempts += 1
            dispatcher.utter_message(text=HINTS.get(requested, "没太明白，请换个说法。"))
            events.append(SlotSet("case_attempts", attempts))
        return events

    async def _yes_or_no_read(self, tracker: Tracker, requested: str | None) -> Heard | None:
        """The answer reader's reading of a yes/no step the patterns leave unread.

        An answer it takes joins the slots Rasa extracted from the message, so
        the step's validator handles it as any other (consent time, case key).
        """
        text = _text(tracker)
        if (
            self._reader is None
            or requested not in YES_NO_STEPS
            or not readable(self._reader, requested, text, _intent(tracker)[0])
            or self._by_patterns(tracker, requested) is not None
        ):
            return None
        heard = await hear(self._reader, requested, text, others=False)
        if heard.reading.value is not None:
            tracker.add_slots([SlotSet(requested, heard.reading.value)])
        return heard

    def _by_patterns(self, tracker: Tracker, slot: str) -> bool | None:
        """A yes/no step's answer as its patterns read it (the extract_* below)."""
        if slot == "case_confirmed":
            words = answer_words(_text(tracker))
            if CHANGE.search(words) and not KEEP.search(words):
                return False
        return yes_or_no(tracker)

    def _known_choices(self, tracker: Tracker) -> list[EventType]:
        """Applicant and right types as the rules name them, or asked again.

        The NLU fills these slots from any message, sometimes with raw words
        ("我开了个五金厂" → "五金厂") that no rule and no case system knows; the
        form would then skip the question and the application be refused at
        the end. Such a value becomes its canonical form, or none at all.
        """
        events: list[EventType] = []
        for fact in ("applicant_type", "ip_type"):
            value = tracker.get_slot(fact)
            canonical = self._vocabulary.canonical(fact, value)
            if value is not None and canonical != value:
                tracker.slots[fact] = canonical  # what required_slots and the checks see
                events.append(SlotSet(fact, canonical))
        return events

    def _answer(self, tracker: Tracker, slot: str) -> str | None:
        """The text as an answer to `slot`, or None when `slot` was not asked or
        the message is plainly something else (a question, a goodbye)."""
        if tracker.get_slot("requested_slot") != slot:
            return None
        text = _text(tracker)
        intent, confidence = _intent(tracker)
        looks_like = LOOKS_LIKE_ANSWER.get(slot)
        if looks_like and looks_like(text):
            return text
        if intent in INTERRUPTIONS and confidence >= INTERRUPTION_CONFIDENCE:
            return None
        # A question of the person's own ("你们分中心在哪" asked for a phone
        # number, "能不能找律师帮我代理" asked which right), however unsure the
        # NLU is of it: the rules answer it, then the form asks again.
        if asks(text) and intent in ANSWERING_RULES:
            return None
        return text

    def _retry(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, slot: str, message: str
    ) -> dict[str, Any]:
        """A refused answer: say exactly what is wrong; after a few, explain and ask."""
        attempts = int(tracker.get_slot("case_attempts") or 0) + 1
        if attempts >= MAX_ATTEMPTS:
            dispatcher.utter_message(
                text=f"{message}\n{EXPLANATIONS.get(slot, '')}要继续填写吗？",
                buttons=[
                    {"title": "继续填写", "payload": "/affirm"},
                    {"title": "不申请了", "payload": "不申请了"},
                ],
            )
        else:
            dispatcher.utter_message(text=message)
        return {slot: None, "case_attempts": attempts}

    @staticmethod
    def _accepted(slot: str, value: Any, **more: Any) -> dict[str, Any]:
        return {slot: value, "case_attempts": 0, **more}

    # -- consent ---------------------------------------------------------------

    async def extract_case_consent(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if self._answer(tracker, "case_consent") is None:
            return {}
        answer = yes_or_no(tracker)
        return {} if answer is None else {"case_consent": answer}

    async def validate_case_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if value is True:
            return self._accepted("case_consent", True, consent_at=utc_now().isoformat())
        # No consent, no record: the form ends here (action_submit_case says so).
        return {"case_consent": False, "case_stopped": True, "requested_slot": None}

    # -- applicant and right, shared with the eligibility check ----------------

    def _fact(self, tracker: Tracker, fact: str) -> dict[str, Any]:
        text = self._answer(tracker, fact)
        if text is None:
            return {}
        value = self._vocabulary.find(fact, text)
        return {fact: value} if value else {}

    async def extract_applicant_type(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._fact(tracker, "applicant_type")

    async def extract_ip_type(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._fact(tracker, "ip_type")

    def _answered_before(self, tracker: Tracker, fact: str) -> Any:
        """The fact's earlier value when this message was not the answer to it.

        An answer the person gave changes only when its question is asked
        again (a correction at the summary asks it again). Words in another
        answer are not about it: the 网店 in "网店盗用我们的商标" is the
        infringer, not the applicant.
        """
        if tracker.get_slot("requested_slot") == fact:
            return None
        return value_before_message(tracker, fact)

    async def validate_applicant_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        earlier = self._answered_before(tracker, "applicant_type")
        if earlier is not None:
            return {"applicant_type": earlier}
        canonical = self._vocabulary.canonical("applicant_type", value)
        if canonical is None:
            return self._retry(dispatcher, tracker, "applicant_type", "请点按钮选择申请人的类型。")
        return self._accepted("applicant_type", canonical)

    async def validate_ip_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        earlier = self._answered_before(tracker, "ip_type")
        if earlier is not None:
            return {"ip_type": earlier}
        canonical = self._vocabulary.canonical("ip_type", value)
        if canonical is None:
            return self._retry(dispatcher, tracker, "ip_type", "请点按钮选择涉及的知识产权类型。")
        return self._accepted("ip_type", canonical)

    # -- contact ---------------------------------------------------------------

    async def extract_contact_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = self._answer(tracker, "contact_name")
        if text is None:
            return {}
        # "王秀英 13912345678": the number is the next answer, not part of the name.
        name = PHONE_LIKE.sub("", text)
        return {"contact_name": NAME_PREFIX.sub("", name).strip(" ，,。")}

    async def validate_contact_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        name = str(value or "").strip()
        if not name:
            return self._retry(dispatcher, tracker, "contact_name", "请告诉我联系人的姓名或称呼。")
        if re.search(r"[0-9]", name):
            return self._retry(
                dispatcher, tracker, "contact_name", "姓名里不应有数字，请只填写姓名或称呼。"
            )
        if not NAME_CHARS.fullmatch(name):
            return self._retry(
                dispatcher,
                tracker,
                "contact_name",
                "请填写2到30个字的姓名或称呼（汉字或字母），比如“王秀英”或“王女士”。",
            )
        if QUESTION_WORDS.search(name):
            # A short question the classifier was unsure of ("收费吗") is no name.
            return self._retry(
                dispatcher,
                tracker,
                "contact_name",
                "这像是一个问题，不像姓名。请先告诉我联系人的姓名或称呼，问题可以接着问我。",
            )
        return self._accepted("contact_name", name)

    async def extract_contact_phone(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        requested = tracker.get_slot("requested_slot")
        text = _text(tracker)
        if requested == "contact_name" and tracker.get_slot("contact_phone") is None:
            # Given together with the name: take it now rather than ask again.
            found = PHONE_LIKE.search(text)
            return {"contact_phone": found.group(0)} if found else {}
        answer = self._answer(tracker, "contact_phone")
        if answer is None:
            return {}
        found = PHONE_LIKE.search(answer)
        return {"contact_phone": found.group(0) if found else answer}

    async def validate_contact_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        checked = validation.mobile(str(value or ""))
        if not checked.ok:
            return self._retry(dispatcher, tracker, "contact_phone", checked.message)
        return self._accepted("contact_phone", checked.value)

    async def extract_id_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = self._answer(tracker, "id_number")
        if text is None:
            return {}
        found = re.search(r"[0-9Xx\s]{15,22}", text)
        return {"id_number": found.group(0) if found else text}

    async def validate_id_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        checked = validation.id_card(str(value or ""))
        if not checked.ok:
            return self._retry(dispatcher, tracker, "id_number", checked.message)
        return self._accepted("id_number", checked.value)

    # -- organisation ------------------------------------------------------------

    async def extract_organization_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = self._answer(tracker, "organization_name")
        if text is None:
            return {}
        return {"organization_name": CREDIT_LIKE.sub("", text).strip(" ，,。")}

    async def validate_organization_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        name = str(value or "").strip()
        if not 2 <= len(name) <= 100:
            return self._retry(
                dispatcher,
                tracker,
                "organization_name",
                "请填写单位的全称（与营业执照或登记证书一致），2到100个字。",
            )
        return self._accepted("organization_name", name)

    async def extract_credit_code(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        requested = tracker.get_slot("requested_slot")
        text = _text(tracker)
        if requested == "organization_name" and tracker.get_slot("credit_code") is None:
            found = CREDIT_LIKE.search(text)
            return {"credit_code": found.group(0)} if found else {}
        answer = self._answer(tracker, "credit_code")
        if answer is None:
            return {}
        found = CREDIT_LIKE.search(answer.replace(" ", ""))
        return {"credit_code": found.group(0) if found else answer}

    async def validate_credit_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        checked = validation.credit_code(str(value or ""))
        if not checked.ok:
            return self._retry(dispatcher, tracker, "credit_code", checked.message)
        return self._accepted("credit_code", checked.value)

    # -- the right's number (optional) ----------------------------------------------

    async def extract_ip_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = self._answer(tracker, "ip_number")
        if text is None:
            return {}
        if not re.search(r"\d{4}", text) and NONE_AT_HAND.search(text):
            return {"ip_number": NO_NUMBER}
        return {"ip_number": text}

    async def validate_ip_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if value == NO_NUMBER:
            return self._accepted("ip_number", NO_NUMBER)
        text = str(value or "")
        ip_type = tracker.get_slot("ip_type")
        if ip_type == "trademark":
            checked = validation.trademark_number(text)
        elif ip_type == "patent":
            checked = validation.patent_number(text)
        else:
            # Registration numbers of other rights have no national check digit.
            compact = re.sub(r"\s", "", text)
            if not re.search(r"\d{4}", compact) or len(compact) > 64:
                return self._retry(
                    dispatcher,
                    tracker,
                    "ip_number",
                    "请填写证书上的登记号（含数字，64个字符以内）；没有可以说“没有”。",
                )
            return self._accepted("ip_number", compact)
        if not checked.ok:
            return self._retry(
                dispatcher, tracker, "ip_number", checked.message + "没有的话可以说“没有”。"
            )
        return self._accepted("ip_number", checked.value)

    # -- what happened -----------------------------------------------------------

    async def extract_case_description(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if self._answer(tracker, "case_description") is None:
            return {}
        # The person's own words as written: NFKC would turn their ，：（） into ASCII.
        return {"case_description": str(tracker.latest_message.get("text") or "").strip()}

    async def validate_case_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        if len(text) < MIN_DESCRIPTION:
            return self._retry(
                dispatcher,
                tracker,
                "case_description",
                "请再多说几句：对方是谁、做了什么、什么时候发现的。",
            )
        if len(text) > MAX_DESCRIPTION:
            return self._retry(
                dispatcher,
                tracker,
                "case_description",
                f"描述有{len(text)}个字，请精简到{MAX_DESCRIPTION}字以内，详细材料可以之后交给工作人员。",
            )
        events = self._accepted("case_description", text)
        # The description often says what happened (淘宝上卖假货): note it if not known yet.
        if tracker.get_slot("issue_type") is None:
            issue = self._vocabulary.find("issue_type", text)
            if issue:
                events["issue_type"] = issue
        return events

    # -- confirmation and corrections ------------------------------------------------

    async def extract_case_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if self._answer(tracker, "case_confirmed") is None:
            return {}
        words = answer_words(_text(tracker))
        if CHANGE.search(words) and not KEEP.search(words):
            return {"case_confirmed": False}
        answer = yes_or_no(tracker)
        return {} if answer is None else {"case_confirmed": answer}

    async def validate_case_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if value is not True:
            return {"case_confirmed": False, "case_key": None, "case_attempts": 0}
        key = tracker.get_slot("case_key") or idempotency_key(
            tracker.sender_id, str(tracker.latest_message.get("message_id") or utc_now())
        )
        return self._accepted("case_confirmed", True, case_key=key)

    async def extract_case_fix(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = self._answer(tracker, "case_fix")
        if text is None:
            return {}
        for pattern, field in FIX_FIELDS:
            if pattern.search(text):
                return {"case_fix": field}
        if yes_or_no(tracker) is True:  # "没问题了": back to the summary
            return {"case_fix": "nothing"}
        return {}

    async def validate_case_fix(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        # The chosen answer is emptied, so the form asks it again, then the summary.
        events: dict[str, Any] = {"case_fix": None, "case_confirmed": None, "case_attempts": 0}
        if value in PERSONAL_SLOTS or value in ("ip_type", "applicant_type"):
            events[str(value)] = None
            if value == "ip_type":
                events["ip_number"] = None
        return events
