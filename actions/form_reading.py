"""What a form does with a typed answer, once the answer reader has read it.

The reader (actions/answer_reader.py) says what a message is as an answer to
the question being asked; this module turns that into the form's next step,
the same way for every form:

* an answer is taken, whatever the NLU called the message (it often calls a
  plain answer ask_policy, affirm or something else);
* a question of the person's own is left to the rules, which answer it and
  then let the form ask again, when the NLU routed it to a rule that answers
  questions; otherwise (the NLU took it for an answer) it is no answer;
* an attempt that is not clear enough is asked back with the likeliest
  options ("您是指“专利”还是“著作权”？"), once for free;
* anything else gets a hint, and three failed answers to one question end
  the form instead of asking it a fourth time.

Buttons and exits are not read here: a payload (/inform{...}) already says
what it means, and a request for a person must reach its rule.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker

from actions.answer_examples import Value
from actions.answer_reader import AnswerReader, Outcome, Reading
from knowledge.utterance import asks

# Intents whose rules take the person out of a form (actions/safety.py has the same).
EXITS = frozenset({"ask_human", "goodbye"})
# Intents whose in-form rules answer a question and then resume the form.
# Inside the check, check_eligibility is a question about the assistance
# itself (你们这个援助是公益的吗), not a request for the check it is in.
ANSWERING_RULES = frozenset({"ask_policy", "nlu_fallback", "check_eligibility"})
# Intents whose in-form rules reply to a message that answers nothing.
REPLYING_RULES = frozenset({"bot_challenge", "out_of_scope"})
# Failed answers to one question after which the form stops asking it.
MAX_FAILURES = 3
# Options offered when asking back; the reader gives at most this many candidates.
MAX_OFFERED = 3
# The likeliest option's probability below which an unclear answer gets the hint, not options.
MIN_ASK_BACK = 0.25


class Step(enum.Enum):
    TAKE = "take"  # the reading's value answers the question
    RULES = "rules"  # the form steps aside for the turn: the rules answer the message
    ASK_BACK = "ask_back"  # an unclear attempt: offer the candidates
    HINT = "hint"  # no answer: say what is needed


@dataclass(frozen=True)
class Heard:
    """The requested slot's reading of a message, and the other facts it gives."""

    reading: Reading
    volunteered: Mapping[str, Value]

    @property
    def worth_asking_back(self) -> bool:
        """Whether the likeliest option is likely enough to offer: asking back
        著作权、商业秘密还是商标 at one chance in six only confuses."""
        candidates = self.reading.candidates
        return bool(candidates) and candidates[0].probability >= MIN_ASK_BACK

    def step(
        self, text: str, intent: str | None, answering: frozenset[str] = ANSWERING_RULES
    ) -> Step:
        """What the form does with the message (see the module docstring).

        `answering`: the intents for which the form's rules answer a question.
        """
        outcome = self.reading.outcome
        if outcome is Outcome.ANSWER:
            return Step.TAKE
        # Not an answer, and the NLU routed it to the rules that answer
        # questions: a question of the person's own (你们管不管商标啊).
        asked = outcome is Outcome.QUESTION or asks(text)
        if asked and intent in answering:
            return Step.RULES
        if outcome is Outcome.UNSURE and self.worth_asking_back:
            return Step.ASK_BACK
        if intent in REPLYING_RULES:
            return Step.RULES
        return Step.HINT


def is_payload(text: str) -> bool:
    """A button's payload ("/affirm", '/inform{"ip_type": "patent"}'), not typed words."""
    return text.lstrip().startswith("/")


def readable(reader: AnswerReader, slot: str | None, text: str, intent: str | None) -> bool:
    """Whether `text` is read as a typed answer to `slot`."""
    return (
        slot is not None
        and slot in reader.slots
        and bool(text.strip())
        and not is_payload(text)
        and intent not in EXITS
    )


def _hear(reader: AnswerReader, slot: str, text: str, others: bool) -> Heard:
    reading = reader.read(slot, text)
    if not others:
        return Heard(reading, {})
    volunteered = reader.volunteered(text, asked=slot)
    if reading.outcome in (Outcome.UNSURE, Outcome.UNKNOWN, Outcome.OTHER):
        volunteered = {**reader.answered_instead(text, asked=slot), **volunteered}
    return Heard(reading, volunteered)


async def hear(reader: AnswerReader, slot: str, text: str, *, others: bool = True) -> Heard:
    """Read `text` as the answer to `slot` in a worker thread: embedding is CPU work.

    `others`: also read the other eligibility facts the message gives.
    """
    return await asyncio.to_thread(_hear, reader, slot, text, others)


@dataclass(frozen=True)
class Attempts:
    """Failed answers to the question being asked, and whether it was asked back.

    Kept in one float slot (the domain's eligibility_attempts): the failures
    are whole numbers, and a half marks the free ask-back already used.
    """

    failures: int = 0
    asked_back: bool = False

    @classmethod
    def from_slot(cls, value: object) -> Attempts:
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            return cls()
        whole = int(value)
        return cls(whole, value - whole >= 0.5)

    def slot_value(self) -> float | None:
        value = self.failures + (0.5 if self.asked_back else 0.0)
        return value or None

    def after(self, step: Step) -> Attempts:
        """The count after a message that answered nothing and led to `step`."""
        if step is Step.ASK_BACK and not self.asked_back:
            return Attempts(self.failures, asked_back=True)
        return Attempts(self.failures + 1, self.asked_back)

    @property
    def exhausted(self) -> bool:
        return self.failures >= MAX_FAILURES


Button = dict[str, str]


def ask_back(
    slot: str,
    reading: Reading,
    labels: Mapping[Any, str],
    payload: Callable[[Any], str],
) -> dict[str, Any]:
    """The ask-back message (utter_message's arguments): "您是指“A”还是“B”？".

    One button per candidate. A single candidate of many is offered first,
    with every other option after it; a yes/no question always offers both,
    so that a "是" to the ask-back can never be read as the answer "yes".
    """
    values = [c.value for c in reading.candidates if c.value in labels][:MAX_OFFERED]
    if len(values) == 1 and len(labels) == 2:
        values += [v for v in labels if v not in values]
    if len(values) >= 2:
        quoted = [f"“{labels[v]}”" for v in values]
        text = f"您是指{'、'.join(quoted[:-1])}还是{quoted[-1]}？"
        offered = values
    else:
        text = f"您是指“{labels[values[0]]}”吗？不是的话，请在下面选一项。"
        offered = values + [v for v in labels if v not in values]
    buttons: list[Button] = [{"title": labels[v], "payload": payload(v)} for v in offered]
    # The form_question payload: channels and the conversation eval see the
    # question asked; the form's own question is not repeated after it.
    custom = {"type": "form_question", "slot": slot, "ask_back": True}
    return {"text": text, "buttons": buttons, "json_message": custom}


def asked_this_turn(tracker: Tracker, slot: str) -> bool:
    """Whether a question for `slot` was already put to the person since their last message.

    Rasa asks the form's question after the validator runs; when the
    validator has just asked back, that question would repeat it.
    """
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return False
        if kind != "bot":
            continue
        custom = (event.get("data") or {}).get("custom")
        if isinstance(custom, dict) and custom.get("type") == "form_question":
            return custom.get("slot") == slot
    return False


def stepped_aside(tracker: Tracker, form: str) -> bool:
    """Whether the form already stepped aside for the person's latest message.

    After the rules answered it, Rasa runs the form's validator again on the
    same message (only to pick the question to ask): it is not read twice.
    """
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return False
        if kind == "action_execution_rejected" and event.get("name") == form:
            return True
    return False


def labels_of(options: Mapping[Any, str], shown: Mapping[Any, str] | None = None) -> dict[Any, str]:
    """Labels for an ask-back: how an answer reads ("在枣庄市") where 是/不是 says nothing."""
    return {value: (shown or {}).get(value) or label for value, label in options.items()}
