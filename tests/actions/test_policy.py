"""Policy answers: the clause, its citation, related items — or an honest "no basis"."""

from __future__ import annotations

import pytest

from actions.conversation_memory import FactReader
from actions.policy import MAX_MESSAGE, ActionAnswerPolicy
from actions.vocabulary import FactVocabulary
from knowledge.deployment import Deployment
from knowledge.places import Gazetteer
from knowledge.searcher import Searcher
from tests.actions.conftest import run, slots_set, tracker

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def action(
    real_searcher: Searcher,
    deployment: Deployment,
    gazetteer: Gazetteer,
    vocabulary: FactVocabulary,
) -> ActionAnswerPolicy:
    facts = FactReader(vocabulary, deployment, gazetteer)
    return ActionAnswerPolicy(real_searcher, deployment, gazetteer, facts)


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


def test_a_story_with_a_question_is_answered_its_facts_kept_and_the_check_offered(
    action: ActionAnswerPolicy,
) -> None:
    text = "我是市中区的，自己搞的外观设计专利被隔壁厂照着做了，家里困难，该怎么办"
    events, messages = run(action, tracker(text, "ask_policy"))
    assert messages[0]["custom"]["citations"]
    kept = slots_set(events)
    assert kept["ip_type"] == "patent"
    assert kept["in_region"] is True
    assert kept["financial_hardship"] is True
    assert kept["pending_offer"] == "check_eligibility"
    assert messages[-1]["buttons"][0]["payload"] == "/check_eligibility"


def test_a_question_about_a_topic_keeps_no_facts_and_offers_nothing(
    action: ActionAnswerPolicy,
) -> None:
    events, messages = run(action, tracker("电商平台上专利被侵权一般怎么处理", "ask_policy"))
    kept = slots_set(events)
    assert "issue_type" not in kept and "ip_type" not in kept
    assert kept["pending_offer"] is None
    assert len(messages) == 1


def test_no_offer_once_the_check_has_a_result_or_inside_a_form(action: ActionAnswerPolicy) -> None:
    text = "我的商标被人仿了怎么办"
    done = tracker(text, "ask_policy", slots={"eligibility_result": {"referral": None}})
    assert slots_set(run(action, done)[0])["pending_offer"] is None
    events, _ = run(action, tracker(text, "ask_policy", form="eligibility_form"))
    assert "ip_type" not in slots_set(events)


def test_a_follow_up_is_read_against_the_previous_question(action: ActionAnswerPolicy) -> None:
    first, _ = run(action, tracker("瑶海区对假冒商标怎么处理的", "ask_policy"))
    remembered = {k: v for k, v in slots_set(first).items() if k in ("last_question", "last_doc")}
    assert remembered["last_doc"].startswith("001_")
    events, [message] = run(action, tracker("那专利呢？", "ask_policy", slots=remembered))
    assert message["custom"]["citations"][0]["doc_id"].startswith("001_")
    assert "专利" in slots_set(events)["last_question"]


def test_a_follow_up_naming_a_level_answers_from_that_levels_document(
    action: ActionAnswerPolicy,
) -> None:
    first, _ = run(action, tracker("瑶海区对假冒商标怎么处理的", "ask_policy"))
    remembered = {k: v for k, v in slots_set(first).items() if k in ("last_question", "last_doc")}
    _, messages = run(action, tracker("省里有没有类似的规定", "ask_policy", slots=remembered))
    assert messages[0]["custom"]["citations"][0]["doc_id"].startswith("003_")


def test_a_question_about_the_last_document_is_answered_from_its_header(
    action: ActionAnswerPolicy,
) -> None:
    first, _ = run(action, tracker("瑶海区对假冒商标怎么处理的", "ask_policy"))
    remembered = {k: v for k, v in slots_set(first).items() if k in ("last_question", "last_doc")}
    events, [message] = run(
        action, tracker("这个文件是哪个部门发的？", "ask_policy", slots=remembered)
    )
    [citation] = message["custom"]["citations"]
    assert citation["doc_id"] == remembered["last_doc"]
    assert citation["section"] == "文件信息"
    assert citation["citation"] in message["text"]
    assert slots_set(events)["last_doc"] == remembered["last_doc"]


def test_a_document_question_without_a_document_asks_which_one(
    action: ActionAnswerPolicy,
) -> None:
    events, [message] = run(action, tracker("这个文件的文号是多少", "ask_policy"))
    assert "哪一份文件" in message["text"]
    assert "custom" not in message or not message["custom"]
    assert "last_doc" not in slots_set(events)


def test_an_answer_from_another_regions_rules_says_so(action: ActionAnswerPolicy) -> None:
    _, messages = run(action, tracker("我是临沂的，瑶海区对假冒商标怎么处理的", "ask_policy"))
    assert "合肥市瑶海区的规定" in messages[0]["text"]


def test_a_question_inside_the_check_is_read_as_about_the_assistance(
    action: ActionAnswerPolicy,
) -> None:
    # Alone, "does testing this cost money" names nothing the documents cover;
    # asked inside the centre's check, it is about the assistance, which is free.
    _, messages = run(action, tracker("测这个要花钱吗", "ask_policy", form="eligibility_form"))
    assert messages[0]["custom"]["citations"][0]["doc_id"].startswith("004_")


def test_the_level_an_asker_names_is_that_of_their_own_place(action: ActionAnswerPolicy) -> None:
    text = "我们是合肥的企业，被竞争对手恶意起诉了，省里有什么规定"
    _, messages = run(action, tracker(text, "ask_policy"))
    assert messages[0]["custom"]["citations"][0]["doc_id"].startswith("003_")


@pytest.mark.parametrize("question", ["我填的这些信息会不会泄露出去", "为啥要我的手机号"])
def test_a_question_about_ones_own_data_is_answered_from_the_centres_handling(
    action: ActionAnswerPolicy, deployment: Deployment, question: str
) -> None:
    _, [message] = run(action, tracker(question, "nlu_fallback"))
    assert deployment.cases.recipients in message["text"]
    assert deployment.hotline.number in message["text"]
    assert "您同意吗" not in message["text"]  # not the consent question itself
    assert not (message.get("custom") or {}).get("citations")  # no policy document is quoted
