"""Answers say whose rule they cite when it is not the asker's (knowledge.answer)."""

from __future__ import annotations

from knowledge.answer import compose
from knowledge.passages import Passage
from knowledge.places import Gazetteer, Place
from knowledge.searcher import SearchHit, SearchResponse
from knowledge.settings import KnowledgeSettings

GAZETTEER = Gazetteer.from_file(KnowledgeSettings().places)


def _place(name: str) -> Place:
    place = GAZETTEER.place(name)
    assert place is not None
    return place


def _response(region: str, level: str) -> SearchResponse:
    passage = Passage(
        "d#1", "d", "关于强化知识产权保护的实施意见", "瑶办发〔2021〕23号", "", region, level,
        "", "四、16", [], [], "", "建立快速处理绿色通道。", 1, 1,
    )  # fmt: skip
    return SearchResponse("商标被假冒了", True, [SearchHit(passage, 0.9, 0.8, 3.0)])


def test_without_a_place_the_answer_is_unchanged() -> None:
    answer = compose(_response("安徽省合肥市瑶海区", "district"))
    assert answer is not None and answer.jurisdiction_note == ""
    assert answer.text() == (
        "建立快速处理绿色通道。\n——《关于强化知识产权保护的实施意见》瑶办发〔2021〕23号 四、16"
    )


def test_another_regions_rule_is_named_as_such() -> None:
    home = _place("枣庄市")
    answer = compose(_response("安徽省合肥市瑶海区", "district"), home=home)
    assert answer is not None
    assert answer.jurisdiction_note == "这是合肥市瑶海区的规定，不一定适用于您所在的地方。"
    assert answer.text().endswith("四、16\n（这是合肥市瑶海区的规定，不一定适用于您所在的地方。）")
    assert "这是" not in answer.text(with_note=False)
    linyi = compose(_response("山东省枣庄市", "city"), asker=[_place("临沂市")], home=home)
    assert linyi is not None
    assert linyi.jurisdiction_note == "这是枣庄市的规定，不一定适用于您所在的临沂市。"


def test_the_askers_own_rules_and_national_ones_need_no_note() -> None:
    home = _place("枣庄市")
    yaohai = [_place("瑶海区")]
    for region, level, asker in [
        ("安徽省合肥市瑶海区", "district", yaohai),
        ("安徽省", "provincial", yaohai),
        ("全国", "national", [_place("临沂市")]),
        ("山东省枣庄市", "city", []),  # the centre's own city, nobody said otherwise
        ("山东省枣庄市", "city", [_place("滕州市")]),
    ]:
        answer = compose(_response(region, level), asker=asker, home=home)
        assert answer is not None and answer.jurisdiction_note == "", region
