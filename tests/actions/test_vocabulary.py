from __future__ import annotations

from actions.vocabulary import FactVocabulary


def test_surface_forms_of_the_nlu_synonyms_are_read(vocabulary: FactVocabulary) -> None:
    assert vocabulary.find("applicant_type", "我们就是个小公司") == "micro_small_enterprise"
    assert vocabulary.find("issue_type", "专利在淘宝上被人仿冒了") == "ecommerce"
    assert vocabulary.find("ip_type", "是发明专利") == "patent"


def test_a_negated_form_is_not_the_answer(vocabulary: FactVocabulary) -> None:
    assert vocabulary.find("applicant_type", "我是个人，不是公司") == "individual"
    assert vocabulary.find("ip_type", "不是专利") is None


def test_canonical_values(vocabulary: FactVocabulary) -> None:
    assert vocabulary.canonical("ip_type", "patent") == "patent"
    assert vocabulary.canonical("ip_type", "发明专利") == "patent"
    assert vocabulary.canonical("issue_type", "被") is None
    assert vocabulary.canonical("issue_type", None) is None


def test_people_counted_are_not_an_individual_applicant(vocabulary: FactVocabulary) -> None:
    assert vocabulary.find("applicant_type", "我们是个小厂，二十来个人") == "micro_small_enterprise"
    assert vocabulary.find("applicant_type", "那个专利是他个人的") is None
    for own in ("我是个人", "个人", "以个人名义申请", "我个人的专利"):
        assert vocabulary.find("applicant_type", own) == "individual", own


def test_asking_words_are_no_situation_unless_they_answer_its_question(
    vocabulary: FactVocabulary,
) -> None:
    text = "领导让我来问问能不能申请援助"
    assert vocabulary.find("issue_type", text) == "consultation"  # as an answer: 只是咨询
    assert vocabulary.told("issue_type", text) is None  # unprompted: only the asking
    assert vocabulary.told("issue_type", "我们的商标被人仿冒了") == "infringed"
