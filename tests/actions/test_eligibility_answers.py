"""The eligibility form reading typed answers: taken, asked back, left to the rules, given up on.

Plain answers are read by the real answer reader (the bundled e5); the form's
handling of an unsure reading is driven by a reader that is always unsure, so
it does not hang on where the classifier's thresholds happen to fall.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from actions.answer_examples import Value
from actions.answer_reader import AnswerReader, Candidate, Outcome, Reading
from actions.eligibility import (
    ActionAskFact,
    ActionEligibilityResult,
    ValidateEligibilityForm,
    option_payload,
)
from actions.form_reading import MAX_FAILURES, Attempts, Step
from actions.vocabulary import FactVocabulary
from knowledge.deployment import Deployment
from knowledge.eligibility import Question, RuleSet
from knowledge.places import Gazetteer
from tests.actions.conftest import FormLoop, act, run, said, slots_set, tracker

FORM = "eligibility_form"
KNOWN = {"issue_type": "infringed", "ip_type": "trademark", "applicant_type": "individual"}


class UnsureReader:
    """Reads every message as an unclear attempt between two values of the asked question."""

    def __init__(
        self, candidates: Mapping[str, tuple[Value, Value]], likelihood: float = 0.4
    ) -> None:
        self._candidates = candidates
        self._likelihood = likelihood
        self.slots = tuple(candidates)

    def read(self, slot: str, text: str) -> Reading:
        first, second = self._candidates[slot]
        top = self._likelihood
        return Reading(
            slot, Outcome.UNSURE, None, (Candidate(first, top), Candidate(second, top / 2))
        )

    def volunteered(self, text: str, asked: str | None) -> dict[str, Value]:
        return {}

    def answered_instead(self, text: str, asked: str) -> dict[str, Value]:
        return {}


@pytest.fixture
def build(
    rules: RuleSet,
    deployment: Deployment,
    gazetteer: Gazetteer,
    vocabulary: FactVocabulary,
    questions: dict[str, Question],
    answer_reader: AnswerReader,
) -> Any:
    def build_(reader: Any = answer_reader) -> ValidateEligibilityForm:
        return ValidateEligibilityForm(
            rules, deployment, gazetteer, vocabulary, reader=reader, questions=questions
        )

    return build_


@pytest.fixture
def form(build: Any) -> ValidateEligibilityForm:
    return build()  # type: ignore[no-any-return]


@pytest.fixture
def loop(form: ValidateEligibilityForm, questions: dict[str, Question]) -> FormLoop:
    return FormLoop(form, [ActionAskFact(q) for q in questions.values()])


def _asked(slot: str, text: str, intent: str = "inform", **slots: Any) -> Any:
    return tracker(text, intent, slots={**slots, "requested_slot": slot}, form=FORM)


# -- plain answers ---------------------------------------------------------------------------


@pytest.mark.parametrize("intent", ["inform", "ask_policy", "affirm", "deny", "nlu_fallback"])
async def test_a_plain_answer_fills_the_question_whatever_the_nlu_called_it(
    loop: FormLoop, intent: str
) -> None:
    await loop.say("我想测一下能不能申请", "check_eligibility")
    turn = await loop.say("别人侵犯了我们的权利", intent)
    assert loop.slots["issue_type"] == "infringed"
    assert turn.asked == "ip_type"
    assert "没太听明白" not in turn.text


async def test_naming_the_right_answers_which_right_and_goes_forward(loop: FormLoop) -> None:
    opening = await loop.say("我们的货在淘宝上被人仿冒了", "check_eligibility")
    assert loop.slots["issue_type"] == "ecommerce" and opening.asked == "ip_type"
    # The NLU tags 侵犯 as an issue type; it names the right, it corrects nothing.
    turn = await loop.say(
        "有人侵犯我的专利",
        entities=[
            {"entity": "issue_type", "value": "侵犯"},
            {"entity": "ip_type", "value": "专利"},
        ],
    )
    assert loop.slots["ip_type"] == "patent"
    assert loop.slots["issue_type"] == "ecommerce"
    assert turn.asked == "applicant_type"
    assert "没太听明白" not in turn.text


async def test_asking_to_check_is_not_the_situation_only_consulting(loop: FormLoop) -> None:
    opening = await loop.say(
        "我是山亭区一个种植协会的办事员，领导让我来问问能不能申请援助",
        "check_eligibility",
        entities=[{"entity": "issue_type", "value": "问问"}],
    )
    assert loop.slots.get("issue_type") is None
    assert loop.slots["applicant_type"] == "organization"
    assert opening.asked == "issue_type"


def test_a_mixed_answer_fills_both_questions(form: ValidateEligibilityForm) -> None:
    slots = slots_set(run(form, _asked("issue_type", "是商标，在展会上被人仿的"))[0])
    assert slots["issue_type"] == "exhibition"
    assert slots["ip_type"] == "trademark"


def test_a_correction_of_a_known_fact_still_wins(form: ValidateEligibilityForm) -> None:
    state = tracker(
        "不对，是商标",
        "inform",
        slots={"issue_type": "infringed", "ip_type": "patent", "requested_slot": "applicant_type"},
        entities=[{"entity": "ip_type", "value": "商标"}],
        form=FORM,
        set_now={"ip_type": "商标"},
    )
    events, messages = run(form, state)
    slots = slots_set(events)
    assert slots["ip_type"] == "trademark"
    assert slots.get("applicant_type") is None
    assert messages == []  # a correction is no failed answer


def test_a_stray_word_the_nlu_tagged_never_erases_a_known_fact(
    form: ValidateEligibilityForm,
) -> None:
    # The NLU tags 还 in 厂子还能撑 as an issue type; with 不是 in the answer it
    # looks like a correction, but names no value: what was told stays.
    state = tracker(
        "厂子还能撑，钱不是问题",
        "inform",
        slots={**KNOWN, "in_region": True, "requested_slot": "financial_hardship"},
        entities=[{"entity": "issue_type", "value": "还"}],
        form=FORM,
        set_now={"issue_type": "还"},
    )
    slots = slots_set(run(form, state)[0])
    assert slots.get("issue_type", "infringed") == "infringed"
    assert slots["financial_hardship"] is False


def test_the_centres_city_is_not_the_askers(form: ValidateEligibilityForm) -> None:
    text = "我们是临沂的厂子，听说你们枣庄中心挺负责"
    entities = [{"entity": "region", "value": "临沂"}, {"entity": "region", "value": "枣庄"}]
    answered = tracker(
        text, "inform", slots={**KNOWN, "requested_slot": "in_region"}, entities=entities, form=FORM
    )
    assert slots_set(run(form, answered)[0])["in_region"] is False
    # Told while another question is asked, too: the place is read from the whole message.
    aside = tracker(
        text + "，商标被人仿了",
        "inform",
        slots={"requested_slot": "issue_type"},
        entities=entities,
        form=FORM,
    )
    assert slots_set(run(form, aside)[0])["in_region"] is False


# -- buttons keep their meaning --------------------------------------------------------------


@pytest.mark.parametrize(
    ("slot", "payload", "value"),
    [
        ("ip_type", '/inform{"ip_type": "patent"}', "patent"),
        ("issue_type", '/inform{"issue_type": "accused"}', "accused"),
        ("in_region", "/affirm", True),
        ("in_region", "/deny", False),
        ("financial_hardship", "/affirm", True),
        ("financial_hardship", "/deny", False),
    ],
)
async def test_buttons_still_answer_exactly(
    loop: FormLoop, slot: str, payload: str, value: object
) -> None:
    loop.slots |= {**KNOWN, "requested_slot": slot}
    if slot == "financial_hardship":  # asked of a person with a patent in the city
        loop.slots |= {"ip_type": "patent", "in_region": True}
    loop.active = True
    turn = await loop.say(payload)
    assert loop.slots[slot] == value
    assert "没太听明白" not in turn.text


# -- questions are left to the rules -----------------------------------------------------------


@pytest.mark.parametrize(
    ("slot", "text"),
    [
        ("ip_type", "要花钱吗？"),
        ("applicant_type", "申请要准备什么材料"),
        # Asked at the place question: no answer to it, a question to the centre.
        ("in_region", "你们管不管商标啊"),
    ],
)
def test_a_question_leaves_the_slot_and_counts_nothing(
    form: ValidateEligibilityForm, slot: str, text: str
) -> None:
    state = _asked(slot, text, "ask_policy", issue_type="infringed", eligibility_attempts=1)
    events, messages = run(form, state)
    assert messages == []
    assert [e["event"] for e in events] == ["action_execution_rejected"]


def test_a_question_about_the_assistance_inside_the_check_is_left_to_the_rules(
    form: ValidateEligibilityForm,
) -> None:
    # Inside the check, the NLU calls a question about the assistance a
    # request for the check: it is answered, not read as an answer.
    state = _asked("issue_type", "你们这个援助是公益的吗", "check_eligibility")
    events, messages = run(form, state)
    assert messages == []
    assert [e["event"] for e in events] == ["action_execution_rejected"]


async def test_after_a_question_the_form_asks_again(loop: FormLoop) -> None:
    await loop.say("我想测一下能不能申请", "check_eligibility")
    assert loop.asked == ["issue_type"]
    turn = await loop.say("自测要多久？", "ask_policy")
    assert turn.rejected and loop.slots["issue_type"] is None
    again = await loop.resume()  # after the rules answered
    assert again.asked == "issue_type" and "没太听明白" not in again.text


# -- unsure: asked back once for free --------------------------------------------------------------


async def test_an_unsure_answer_is_asked_back_with_one_button_per_candidate(
    build: Any, questions: dict[str, Question]
) -> None:
    reader = UnsureReader({"issue_type": ("ownership", "infringed")})
    loop = FormLoop(build(reader), [ActionAskFact(q) for q in questions.values()])
    loop.slots["requested_slot"] = "issue_type"
    loop.active = True
    turn = await loop.say("有点纠纷")
    assert turn.text.startswith("您是指“权属纠纷”还是“被别人侵权”？")
    (message,) = turn.messages  # the form's own question is not repeated after it
    assert [b["payload"] for b in message["buttons"]] == [
        option_payload("issue_type", "ownership"),
        option_payload("issue_type", "infringed"),
    ]
    assert message["custom"]["slot"] == "issue_type"
    assert Attempts.from_slot(loop.slots["eligibility_attempts"]) == Attempts(0, asked_back=True)
    # The person picks a button: taken, and the count starts again.
    picked = await loop.say(message["buttons"][0]["payload"])
    assert loop.slots["issue_type"] == "ownership" and picked.asked == "ip_type"


async def test_a_yes_no_question_is_asked_back_with_both_answers(
    build: Any, questions: dict[str, Question]
) -> None:
    reader = UnsureReader({"in_region": (True, False)})
    loop = FormLoop(build(reader), [ActionAskFact(q) for q in questions.values()])
    loop.slots |= {**KNOWN, "requested_slot": "in_region"}
    loop.active = True
    turn = await loop.say("差不多吧")
    assert "您是指“在枣庄市”还是“不在枣庄市”？" in turn.text
    assert [b["payload"] for b in turn.messages[0]["buttons"]] == ["/affirm", "/deny"]


async def test_a_far_fetched_guess_gets_the_hint_not_options(
    build: Any, questions: dict[str, Question]
) -> None:
    # Offering 著作权 or 商业秘密 at one chance in ten would only confuse.
    reader = UnsureReader({"ip_type": ("copyright", "trade_secret")}, likelihood=0.1)
    loop = FormLoop(build(reader), [ActionAskFact(q) for q in questions.values()])
    loop.slots |= {"issue_type": "infringed", "requested_slot": "ip_type"}
    loop.active = True
    turn = await loop.say("这个不好说")
    assert "您是指" not in turn.text
    assert turn.asked == "ip_type"
    assert loop.slots.get("ip_type") is None


async def test_the_answer_to_another_question_is_kept_and_the_question_asked_again(
    loop: FormLoop,
) -> None:
    loop.slots |= {"issue_type": "infringed", "requested_slot": "ip_type"}
    loop.active = True
    turn = await loop.say("我们厂二十多个人")
    assert loop.slots["applicant_type"] == "micro_small_enterprise"
    assert loop.slots.get("ip_type") is None
    assert turn.asked == "ip_type"


async def test_unsure_again_and_again_ends_the_check(
    build: Any, questions: dict[str, Question]
) -> None:
    reader = UnsureReader({"ip_type": ("patent", "copyright")})
    loop = FormLoop(build(reader), [ActionAskFact(q) for q in questions.values()])
    loop.slots |= {"issue_type": "infringed", "requested_slot": "ip_type"}
    loop.active = True
    turns = [await loop.say(text) for text in ("设计的东西", "就是设计", "图纸", "设计稿")]
    assert [t.done for t in turns] == [False, False, False, True]  # the first was free
    assert loop.slots["eligibility_stopped"] is True


# -- no answer: a hint, and no fourth time ----------------------------------------------------------


async def test_three_failed_answers_end_the_check_with_a_person_offered(
    loop: FormLoop,
    rules: RuleSet,
    questions: dict[str, Question],
    deployment: Deployment,
) -> None:
    await loop.say("我想测一下能不能申请", "check_eligibility")
    first = await loop.say("嗯嗯")
    assert "换个说法" in first.text and first.asked == "issue_type"
    second = await loop.say("不知道")
    assert "转人工" in second.text and second.asked == "issue_type"
    third = await loop.say("哈哈哈")
    assert third.done and loop.slots["eligibility_stopped"] is True
    assert loop.asked.count("issue_type") == MAX_FAILURES  # never a fourth time
    ending = tracker("哈哈哈", "inform", slots=loop.slots)
    events, messages = await act(ActionEligibilityResult(rules, questions, deployment), ending)
    assert deployment.hotline.number in said(messages)
    payloads = [b["payload"] for m in messages for b in m.get("buttons") or []]
    assert payloads == ["/ask_human", "/apply_assistance"]
    assert slots_set(events) == {"eligibility_stopped": None, "eligibility_attempts": None}


async def test_an_answer_starts_the_count_again(loop: FormLoop) -> None:
    await loop.say("我想测一下能不能申请", "check_eligibility")
    await loop.say("嗯嗯")
    await loop.say("不知道")
    await loop.say("别人侵犯了我们的权利")
    assert loop.slots["eligibility_attempts"] is None
    await loop.say("嗯嗯")
    turn = await loop.say("不知道")
    assert turn.asked == "ip_type"  # two failures on this question, not four in all


async def test_a_request_for_a_person_is_never_read_as_an_answer(loop: FormLoop) -> None:
    await loop.say("我想测一下能不能申请", "check_eligibility")
    turn = await loop.say("转人工", "ask_human")
    assert turn.rejected and turn.messages == []


def test_the_attempts_slot_round_trips() -> None:
    for attempts in (Attempts(), Attempts(1), Attempts(0, True), Attempts(2, True)):
        assert Attempts.from_slot(attempts.slot_value()) == attempts
    assert Attempts.from_slot("two") == Attempts() and Attempts.from_slot(True) == Attempts()
    assert Attempts().after(Step.ASK_BACK) == Attempts(0, True)
    assert Attempts(0, True).after(Step.ASK_BACK) == Attempts(1, True)
    assert Attempts(2).after(Step.HINT).exhausted
