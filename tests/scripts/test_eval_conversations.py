"""Playing and scoring labelled conversations (scripts/eval_conversations.py)."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from tests.e2e.processes import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import eval_conversations as ev

DOC = "004_333525c143d2d379"
FACTS = {
    "issue_type": "infringed",
    "ip_type": "patent",
    "applicant_type": "individual",
    "in_region": True,
    "financial_hardship": True,
}


def question(slot: str) -> dict[str, Any]:
    return {"text": "？", "custom": {"type": "form_question", "slot": slot}}


class ScriptedBot:
    """Asks the slots in order; records what it was told; gives `outcome` at the end."""

    def __init__(self, slots: list[str], outcome: dict[str, Any]) -> None:
        self.slots = slots
        self.outcome = outcome
        self.heard: list[str] = []

    def __call__(self, text: str) -> list[dict[str, Any]]:
        self.heard.append(text)
        if len(self.heard) <= len(self.slots):
            return [question(self.slots[len(self.heard) - 1])]
        result = {"type": "eligibility_result", "result": self.outcome}
        return [{"text": "结果", "custom": result}]


@pytest.fixture(scope="module")
def rules() -> Any:
    return ev.load_rule_set()


def item(**answers: list[str]) -> dict[str, Any]:
    return {
        "id": "e1",
        "kind": "eligibility",
        "opening": "我想测测",
        "answers": answers,
        "facts": FACTS,
    }


def test_the_check_passes_on_the_outcome_the_rules_give_for_the_true_facts(rules: Any) -> None:
    right = ev.expected_outcome(rules, FACTS)
    bot = ScriptedBot(["issue_type", "ip_type"], right)
    assert ev.play_eligibility(item(issue_type=["被人仿了"], ip_type=["专利"]), bot, rules)
    assert bot.heard == ["我想测测", "被人仿了", "专利"]
    wrong = {**right, "financial_assistance": "not_eligible"}
    bot = ScriptedBot(["issue_type", "ip_type"], wrong)
    assert not ev.play_eligibility(item(issue_type=["被人仿了"], ip_type=["专利"]), bot, rules)


def test_a_question_asked_again_gets_the_next_phrasing_and_fails_when_none_is_left(
    rules: Any,
) -> None:
    right = ev.expected_outcome(rules, FACTS)
    bot = ScriptedBot(["issue_type", "issue_type"], right)
    assert ev.play_eligibility(item(issue_type=["嗯", "被人仿了"]), bot, rules)
    assert bot.heard[1:] == ["嗯", "被人仿了"]
    bot = ScriptedBot(["issue_type", "issue_type", "issue_type"], right)
    assert not ev.play_eligibility(item(issue_type=["嗯", "被人仿了"]), bot, rules)


def test_an_opening_that_does_not_start_the_check_is_followed_by_asking_for_it(
    rules: Any,
) -> None:
    heard: list[str] = []

    def bot(text: str) -> list[dict[str, Any]]:
        heard.append(text)
        if len(heard) == 1:
            return [{"text": "答复", "citations": [{"doc_id": DOC, "section": "四（一）"}]}]
        return [
            {
                "text": "结果",
                "custom": {
                    "type": "eligibility_result",
                    "result": ev.expected_outcome(rules, FACTS),
                },
            }
        ]

    assert ev.play_eligibility({**item(), "check_start": "那我能申请吗"}, bot, rules)
    assert heard == ["我想测测", "那我能申请吗"]


def test_document_facts_ignore_width_spaces_and_bracket_shapes() -> None:
    reply = [{"text": "文号是 枣市监中心字[2020]42号。"}]
    assert ev.passes({"text_any": ["枣市监中心字〔2020〕42号"]}, reply)
    assert not ev.passes({"text_any": ["枣市监中心字〔2021〕42号"]}, reply)


CITED = {"text": "答", "citations": [{"doc_id": DOC, "section": "四（三）1"}]}


def form_item(after: int) -> dict[str, Any]:
    return {
        "kind": "in_form",
        "form": "application",
        "opening": "申请",
        "answers": {"case_consent": ["同意"], "applicant_type": ["个人"]},
        "after": after,
        "question": "多久？",
        "expect": {"sections": [{"doc_id": DOC, "section": "四（三）1"}]},
    }


class FormBot:
    """A form asking `slots` in order; a question ("？" in it) is answered, the form going on or not."""

    def __init__(self, slots: list[str], goes_on: bool = True) -> None:
        self.slots = slots
        self.goes_on = goes_on
        self.sessions: list[list[str]] = []

    def session(self) -> Any:
        heard: list[str] = []
        self.sessions.append(heard)

        def send(text: str) -> list[dict[str, Any]]:
            heard.append(text)
            answered = [t for t in heard[1:] if "？" not in t]
            if "？" in text:
                still = len(answered) < len(self.slots)
                return [
                    CITED,
                    *([question(self.slots[len(answered)])] if self.goes_on and still else []),
                ]
            if len(answered) < len(self.slots):
                return [question(self.slots[len(answered)])]
            return [{"text": "好的，已记下。"}]

        return send


def test_a_question_inside_a_form_needs_the_answer_and_the_form_going_on() -> None:
    bot = FormBot(["case_consent", "applicant_type", "ip_type"])
    assert ev.play_in_form(form_item(after=1), bot.session)
    assert bot.sessions[-1] == ["申请", "同意", "多久？"]
    assert not ev.play_in_form(
        form_item(after=1), FormBot(["case_consent", "ip_type"], False).session
    )


def test_a_form_shorter_than_the_writer_guessed_gets_the_question_at_its_last_step() -> None:
    bot = FormBot(["case_consent", "applicant_type"])
    assert ev.play_in_form(form_item(after=2), bot.session)
    assert bot.sessions[-1] == ["申请", "同意", "多久？"]


def test_asked_back_with_options_the_person_taps_their_own(rules: Any) -> None:
    right = ev.expected_outcome(rules, FACTS)
    asked_back = {
        "text": "您是指“被别人侵权”还是“权属纠纷”？",
        "buttons": [
            {"title": "权属纠纷", "payload": '/inform{"issue_type": "ownership"}'},
            {"title": "被别人侵权", "payload": '/inform{"issue_type": "infringed"}'},
        ],
        "custom": {"type": "form_question", "slot": "issue_type", "ask_back": True},
    }
    replies = iter([[question("issue_type")], [asked_back], [question("in_region")], []])
    heard: list[str] = []

    def bot(text: str) -> list[dict[str, Any]]:
        heard.append(text)
        reply = next(replies)
        return reply or [
            {"text": "结果", "custom": {"type": "eligibility_result", "result": right}}
        ]

    assert ev.play_eligibility(item(issue_type=["有人照着做"], in_region=["在枣庄"]), bot, rules)
    assert heard == ["我想测测", "有人照着做", '/inform{"issue_type": "infringed"}', "在枣庄"]


def test_the_table_counts_each_kind_and_the_false_refusals() -> None:
    tally = ev.Tally()
    answer = {"sections": [{"doc_id": DOC, "section": "四（一）"}]}
    cites = [{"text": "答", "citations": [{"doc_id": DOC, "section": "四（一）"}]}]
    tally.add({"id": "a", "kind": "policy", "expect": answer}, True, cites)
    tally.add(
        {"id": "b", "kind": "policy", "expect": answer},
        False,
        [{"text": "无", "custom": {"type": "no_answer"}}],
    )
    lines = "\n".join(tally.lines("dev"))
    assert "answer holds the answering passage: 1/2 (0.500)" in lines
    assert "wrongly refused: 1/2" in lines
    assert tally.failures == ["b"]
