"""The eligibility form: facts from any wording, only what is needed, corrections, stopping."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answer_reader import AnswerReader
from actions.eligibility import ActionAskFact, ActionEligibilityResult, ValidateEligibilityForm
from actions.vocabulary import FactVocabulary
from knowledge.deployment import Deployment
from knowledge.eligibility import Question, RuleSet
from knowledge.places import Gazetteer
from tests.actions.conftest import DOMAIN, run, slots_set, tracker

FORM = "eligibility_form"


@pytest.fixture
def form(
    rules: RuleSet,
    deployment: Deployment,
    gazetteer: Gazetteer,
    vocabulary: FactVocabulary,
    answer_reader: AnswerReader,
    questions: dict[str, Question],
) -> ValidateEligibilityForm:
    return ValidateEligibilityForm(
        rules, deployment, gazetteer, vocabulary, reader=answer_reader, questions=questions
    )


def test_facts_in_the_opening_message_are_taken(form: ValidateEligibilityForm) -> None:
    # The NLU tagged only 专利; the rest is read from the words.
    state = tracker(
        "我是小微企业，专利在淘宝上被人仿冒了",
        "check_eligibility",
        entities=[{"entity": "ip_type", "value": "patent"}],
        set_now={"ip_type": "patent"},
    )
    events, messages = run(form, state)
    slots = slots_set(events)
    assert slots["issue_type"] == "ecommerce"
    assert slots["applicant_type"] == "micro_small_enterprise"
    assert slots["requested_slot"] == "in_region"  # the only fact still needed
    assert messages == []


def _still_asked(form: ValidateEligibilityForm, state: Tracker) -> list[str]:
    required = asyncio.run(form.required_slots([], CollectingDispatcher(), state, DOMAIN))
    return [name for name in required if state.get_slot(name) is None]


def test_only_facts_that_matter_are_asked(form: ValidateEligibilityForm) -> None:
    overseas = tracker("在美国被起诉了", "inform", slots={"issue_type": "overseas"}, form=FORM)
    assert _still_asked(form, overseas) == []
    assert slots_set(run(form, overseas)[0])["requested_slot"] is None  # the form is done
    individual = {"issue_type": "infringed", "ip_type": "patent", "applicant_type": "individual"}
    assert _still_asked(form, tracker("", "inform", slots=individual | {"in_region": True})) == [
        "financial_hardship"
    ]
    company = individual | {"applicant_type": "large_enterprise", "in_region": True}
    assert _still_asked(form, tracker("", "inform", slots=company)) == []


@pytest.mark.parametrize(
    ("text", "intent", "value"),
    [
        ("在薛城区", "inform", True),
        ("我们在济南", "inform", False),
        ("是的", "affirm", True),
        ("不是", "deny", False),
    ],
)
def test_region_from_a_place_or_a_yes_no(
    form: ValidateEligibilityForm, text: str, intent: str, value: bool
) -> None:
    state = tracker(
        text,
        intent,
        slots={
            "issue_type": "infringed",
            "ip_type": "trademark",
            "applicant_type": "individual",
            "requested_slot": "in_region",
        },
        form=FORM,
    )
    assert slots_set(run(form, state)[0])["in_region"] is value


def test_a_correction_replaces_the_earlier_answer(form: ValidateEligibilityForm) -> None:
    state = tracker(
        "不对，我是个人，不是公司",
        "inform",
        slots={
            "issue_type": "infringed",
            "applicant_type": "micro_small_enterprise",
            "requested_slot": "ip_type",
        },
        entities=[{"entity": "applicant_type", "value": "individual"}],
        form=FORM,
        set_now={"applicant_type": "individual"},
    )
    events, messages = run(form, state)
    assert slots_set(events)["applicant_type"] == "individual"
    assert messages == []  # a correction is an answer: no "did not understand"


def test_a_policy_question_is_not_taken_as_an_answer(form: ValidateEligibilityForm) -> None:
    state = tracker(
        "电商平台怎么处理专利侵权投诉？",
        "ask_policy",
        slots={"requested_slot": "issue_type"},
        form=FORM,
    )
    events, _ = run(form, state)
    assert "issue_type" not in slots_set(events)  # the form rejects; the rules answer the question


def test_an_answer_that_does_not_fit_gets_a_hint_then_options(
    form: ValidateEligibilityForm,
) -> None:
    first = tracker("嗯嗯", "inform", slots={"requested_slot": "issue_type"}, form=FORM)
    events, messages = run(form, first)
    assert slots_set(events)["eligibility_attempts"] == 1 and "换个说法" in messages[0]["text"]
    second = tracker(
        "这个嘛",
        "inform",
        slots={"requested_slot": "issue_type", "eligibility_attempts": 1},
        form=FORM,
    )
    events, messages = run(form, second)
    assert "算了" in messages[0]["text"] and "转人工" in messages[0]["text"]


@pytest.mark.parametrize("text", ["算了", "不查了，谢谢", "取消吧"])
def test_stopping_ends_the_form(form: ValidateEligibilityForm, text: str) -> None:
    state = tracker(text, "deny", slots={"requested_slot": "ip_type"}, form=FORM)
    slots = slots_set(run(form, state)[0])
    assert slots == {"eligibility_stopped": True, "requested_slot": None}


def test_each_question_carries_the_form_question_payload(questions: dict[str, Question]) -> None:
    _, messages = run(ActionAskFact(questions["in_region"]), tracker("", "inform"))
    assert messages[0]["custom"] == {"type": "form_question", "slot": "in_region"}
    assert "枣庄市" in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]
    _, messages = run(ActionAskFact(questions["ip_type"]), tracker("", "inform"))
    assert messages[0]["buttons"][0]["payload"] == '/inform{"ip_type": "patent"}'


def test_result_in_plain_words_with_clauses_and_the_contract_payload(
    rules: RuleSet, questions: dict[str, Question], deployment: Deployment
) -> None:
    facts = {
        "issue_type": "ecommerce",
        "ip_type": "patent",
        "applicant_type": "micro_small_enterprise",
        "in_region": True,
    }
    events, messages = run(
        ActionEligibilityResult(rules, questions, deployment), tracker("", "inform", slots=facts)
    )
    result = slots_set(events)["eligibility_result"]
    assert result["financial_assistance"] == "eligible" and result["referral"] is None
    assert {
        "consultation",
        "infringement_opinion",
        "financial_assistance",
        "referral",
        "basis",
    } <= set(result)
    summary, reasons, offer = messages
    assert summary["custom"] == {"type": "eligibility_result", "result": result}
    assert "符合资金援助条件" in summary["text"] and "电商平台上被侵权" in summary["text"]
    assert "四（二）1" in reasons["text"] and "枣市监中心字〔2020〕42号" in reasons["text"]
    assert all(len(m["text"]) <= 600 for m in messages)
    assert slots_set(events)["pending_offer"] == "apply_assistance"
    assert offer["buttons"][0]["payload"] == "/apply_assistance"


def test_a_stopped_check_says_so(
    rules: RuleSet, questions: dict[str, Question], deployment: Deployment
) -> None:
    events, messages = run(
        ActionEligibilityResult(rules, questions, deployment),
        tracker("", "deny", slots={"eligibility_stopped": True}),
    )
    assert messages[0]["response"] == "utter_eligibility_stopped"
    assert slots_set(events)["eligibility_stopped"] is None


def test_the_words_correct_what_the_nlu_tagged(form: ValidateEligibilityForm) -> None:
    # The NLU tagged 商标 (the negated one); the words say 专利.
    negated = tracker(
        "不对，是专利不是商标",
        "inform",
        slots={"issue_type": "infringed", "requested_slot": "applicant_type"},
        set_now={"ip_type": "trademark"},
        form=FORM,
    )
    assert slots_set(run(form, negated)[0])["ip_type"] == "patent"
    # The NLU tagged 被人仿冒 (infringed); the words also name the venue.
    venue = tracker(
        "商标在展会上被人仿冒了", "inform", set_now={"issue_type": "infringed"}, form=FORM
    )
    assert slots_set(run(form, venue)[0])["issue_type"] == "exhibition"


def test_a_button_payload_keeps_its_value(form: ValidateEligibilityForm) -> None:
    state = tracker(
        '/inform{"issue_type": "accused"}', "inform", set_now={"issue_type": "accused"}, form=FORM
    )
    assert slots_set(run(form, state)[0])["issue_type"] == "accused"
