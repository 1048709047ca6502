"""The case form's yes/no steps in plain words: consent and the summary's confirmation.

The patterns of actions/case_form.py read the words they list; what they leave
is read by the real answer reader; an unsure reading is driven by a reader that
is always unsure, so the form's ask-back is tested apart from the thresholds.
"""

from __future__ import annotations

from typing import Any

import pytest

from actions.answer_reader import AnswerReader
from actions.case_form import ValidateCaseForm
from actions.case_questions import case_questions
from actions.vocabulary import FactVocabulary
from knowledge.deployment import Deployment
from knowledge.eligibility import Question
from tests.actions.conftest import FormLoop
from tests.actions.test_eligibility_answers import UnsureReader

SUMMARY_SLOTS = {
    "case_consent": True,
    "applicant_type": "individual",
    "ip_type": "trade_secret",  # no number to ask
    "contact_name": "王秀英",
    "contact_phone": "13912345678",
    "case_description": "我拍的照片被一家公司拿去做广告了，没有经过我同意。",
}


@pytest.fixture
def make(deployment: Deployment, vocabulary: FactVocabulary, questions: dict[str, Question]) -> Any:
    def make_(reader: Any, **slots: Any) -> FormLoop:
        validation = ValidateCaseForm(deployment, vocabulary, reader)
        return FormLoop(validation, case_questions(deployment, questions), slots=slots)

    return make_


@pytest.mark.parametrize("text", ["行吧，可以", "我接受", "没意见", "那就这样吧"])
async def test_consent_in_plain_words_is_taken(
    make: Any, answer_reader: AnswerReader, text: str
) -> None:
    form = make(answer_reader)
    await form.say("我要申请援助", "apply_assistance")
    turn = await form.say(text)
    assert form.slots["case_consent"] is True and form.slots["consent_at"]
    assert turn.asked == "applicant_type"  # the application's next question


@pytest.mark.parametrize("text", ["都对，就这么交", "信息没错"])
async def test_confirming_the_summary_in_plain_words_is_taken(
    make: Any, answer_reader: AnswerReader, text: str
) -> None:
    form = make(answer_reader, **SUMMARY_SLOTS, requested_slot="case_confirmed")
    form.active = True
    await form.say(text)
    assert form.slots["case_confirmed"] is True and form.slots["case_key"]


async def test_a_wrong_detail_at_the_summary_asks_what_to_change(
    make: Any, answer_reader: AnswerReader
) -> None:
    form = make(answer_reader, **SUMMARY_SLOTS, requested_slot="case_confirmed")
    form.active = True
    turn = await form.say("电话号码不对")
    assert form.slots["case_confirmed"] is False
    assert turn.asked == "case_fix"


# The NLU was not sure it is a question (or fell back): the reader is.
@pytest.mark.parametrize("intent", ["ask_policy", "nlu_fallback"])
async def test_a_question_at_the_consent_step_is_answered_then_asked_again(
    make: Any, answer_reader: AnswerReader, intent: str
) -> None:
    form = make(answer_reader)
    await form.say("我要申请援助", "apply_assistance")
    turn = await form.say("多久能有结果", intent, confidence=0.4)
    assert turn.rejected and turn.messages == []
    assert form.slots["case_consent"] is None and not form.slots.get("case_attempts")
    again = await form.resume()  # after the rules answered
    assert again.asked == "case_consent" and "请回答" not in again.text


async def test_an_unsure_consent_is_asked_back_with_both_answers(make: Any) -> None:
    form = make(UnsureReader({"case_consent": (False, True)}))
    await form.say("我要申请援助", "apply_assistance")
    turn = await form.say("不太想吧")
    (message,) = turn.messages  # the notice is not repeated after it
    assert message["text"] == "您是指“不同意”还是“同意”？"
    assert [b["payload"] for b in message["buttons"]] == ["/deny", "/affirm"]
    assert form.slots["case_consent"] is None
    refused = await form.say(message["buttons"][0]["payload"])
    assert refused.done and form.slots["case_consent"] is False


async def test_the_patterns_still_decide_the_words_they_know(make: Any) -> None:
    # An always-unsure reader is never asked about "不同意".
    form = make(UnsureReader({"case_consent": (True, False)}))
    await form.say("我要申请援助", "apply_assistance")
    turn = await form.say("不同意")
    assert turn.done and form.slots["case_consent"] is False
