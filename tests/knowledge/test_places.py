from __future__ import annotations

from knowledge.places import Gazetteer, place_matches
from knowledge.settings import KnowledgeSettings


def test_districts_belong_to_their_city() -> None:
    gazetteer = Gazetteer.from_file(KnowledgeSettings().places)
    [place] = gazetteer.mentions("薛城区有维权援助分中心吗")
    assert place.name == "薛城区"
    assert place_matches(place, "山东省枣庄市")
    assert not place_matches(place, "安徽省合肥市瑶海区")


def test_short_names_and_several_places() -> None:
    gazetteer = Gazetteer.from_file(KnowledgeSettings().places)
    names = {p.name for p in gazetteer.mentions("合肥的企业在江苏被侵权")}
    assert names == {"合肥市", "江苏省"}
    assert gazetteer.mentions("市中心的商场") == []


def test_find_gives_each_naming_its_position() -> None:
    gazetteer = Gazetteer.from_file(KnowledgeSettings().places)
    found = gazetteer.find("我们是枣庄高新区的，不是枣庄市中心")
    assert [(f.place.name, f.start, f.end) for f in found] == [
        ("枣庄高新区", 3, 8),
        ("枣庄市", 12, 15),
    ]
    teng = gazetteer.place("滕州")
    assert teng is not None and teng.name == "滕州市"
    assert teng.within(gazetteer.place("山东省"))  # type: ignore[arg-type]
    assert gazetteer.place("火星") is None


def test_a_city_glued_to_its_district_is_both_not_a_stray_fragment() -> None:
    gazetteer = Gazetteer.from_file(KnowledgeSettings().places)
    found = gazetteer.find("枣庄市中区")
    assert [(f.place.name, f.start, f.end) for f in found] == [("枣庄市", 0, 2), ("市中区", 2, 5)]
