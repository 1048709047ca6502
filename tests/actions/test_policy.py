"""Policy answers: the clause, its citation, related items — or an honest "no basis"."""

from __future__ import annotations

import pytest

from actions.policy import MAX_MESSAGE, ActionAnswerPolicy
from knowledge.deployment import Deployment
from knowledge.searcher import Searcher
from tests.actions.conftest import run, slots_set, tracker

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def action(real_searcher: Searcher, deployment: Deployment) -> ActionAnswerPolicy:
    return ActionAnswerPolicy(real_searcher, deployment)


def test_an_answer_names_its_source(action: ActionAnswerPolicy) -> None:
    _, messages = run(action, tracker("穷人打不起专利官司，有没有资金上的帮助", "ask_policy"))
    [message] = messages
    assert "经济困难" in message["text"]
    assert "枣市监中心字〔2020〕42号 四（二）3" in message["text"]
    assert len(message["text"]) <= MAX_MESSAGE
    [citation] = message["custom"]["citations"]
    assert message["custom"]["type"] == "citations"
    assert (
        citation["section"] == "四（二）3" and citation["doc_number"] == "枣市监中心字〔2020〕42号"
    )
    assert 1 <= len(message["buttons"]) <= 3
    assert all(b["payload"].startswith('/ask_policy{"passage": ') for b in message["buttons"])


def test_a_long_clause_is_cut_to_the_sentences_that_answer(action: ActionAnswerPolicy) -> None:
    _, [message] = run(action, tracker("律师事务所设立境外分支机构", "ask_policy"))
    assert "境外分支机构" in message["text"]
    assert len(message["text"]) <= MAX_MESSAGE


def test_a_tapped_related_item_is_shown_whole(
    action: ActionAnswerPolicy, real_searcher: Searcher
) -> None:
    passage = next(p for p in real_searcher.index.passages if p.section == "四（三）2")
    state = tracker(
        f'/ask_policy{{"passage": "{passage.chunk_id}"}}',
        "ask_policy",
        entities=[{"entity": "passage", "value": passage.chunk_id}],
    )
    events, [message] = run(action, state)
    assert message["text"].startswith("推进维权援助服务体系向基层延伸")
    assert message["custom"]["citations"][0]["chunk_id" if False else "section"] == "四（三）2"
    assert slots_set(events)["passage"] is None


@pytest.mark.parametrize("question", ["维权援助中心的电话是多少", "护照在哪办", "今天天气怎么样"])
def test_no_basis_means_no_guess_and_an_offer_of_a_person(
    action: ActionAnswerPolicy, question: str
) -> None:
    events, [message] = run(action, tracker(question, "ask_policy"))
    assert "没有能回答这个问题的内容" in message["text"] and "12345" in message["text"]
    assert "citations" not in (message.get("custom") or {})
    assert (message.get("custom") or {}).get("type") == "no_answer"  # for the console's list
    assert slots_set(events)["pending_offer"] == "handoff"


@pytest.mark.parametrize("text", ["", "😀😀", "？？？"])
def test_nothing_to_search_for(action: ActionAnswerPolicy, text: str) -> None:
    _, [message] = run(action, tracker(text, "nlu_fallback"))
    assert "用文字" in message["text"]
