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
