"""A follow-up that switches jurisdiction is answered from that jurisdiction's documents or none."""

from __future__ import annotations

import pytest

from knowledge.followup import read_followup
from knowledge.followup_scope import Document, FollowupScope
from knowledge.places import Gazetteer
from knowledge.settings import KnowledgeSettings

GAZETTEER = Gazetteer.from_file(KnowledgeSettings().places)


def _doc(doc_id: str, level: str, region: str | None) -> Document:
    return Document(doc_id, level, GAZETTEER.place(region) if region else None)


# The corpus's shape: a district and its province in 安徽, a city in 山东, the nation.
SCOPE = FollowupScope(
    [
        _doc("yaohai", "district", "瑶海区"),
        _doc("anhui", "provincial", "安徽省"),
        _doc("zaozhuang", "city", "枣庄市"),
        _doc("nation", "national", None),
    ],
    GAZETTEER,
)


def _scope(previous: str, turn: str, last_doc: str | None) -> frozenset[str] | None:
    names = [p.name for p in GAZETTEER.mentions(previous)]
    aliases = [next(a for a in GAZETTEER.place(n).names if a in previous) for n in names]  # type: ignore[union-attr]
    new = [next(a for a in p.names if a in turn) for p in GAZETTEER.mentions(turn)]
    followup = read_followup(turn, previous, aliases, new)
    assert followup is not None
    return SCOPE.documents_for(followup, last_doc)


@pytest.mark.parametrize(
    ("previous", "turn", "last_doc", "expected"),
    [
        ("瑶海区对假冒商标怎么处理的", "省里有没有类似的", "yaohai", {"anhui"}),
        ("瑶海区对假冒商标怎么处理的", "国家层面呢", "yaohai", {"nation"}),
        ("安徽省对展会纠纷有啥机制", "那瑶海区呢", "anhui", {"yaohai"}),
        ("安徽省对展会纠纷有啥机制", "区里呢", "anhui", {"yaohai"}),
        ("国家对人才培养有啥意见", "枣庄呢", "nation", {"zaozhuang"}),
        # 合肥 has no document of its own: its province's rules bind it.
        ("瑶海区对假冒商标怎么处理的", "那合肥呢", "yaohai", {"anhui"}),
        # No 山东 document at all: the national rules are what binds 济南.
        ("瑶海区对假冒商标怎么处理的", "那济南呢", "yaohai", {"nation"}),
        # 枣庄's province has no document: nothing, not 安徽's rules.
        ("枣庄对电商平台上的专利侵权怎么处理", "省里有没有类似的", "zaozhuang", set()),
    ],
)
def test_a_switch_points_to_that_jurisdictions_documents(
    previous: str, turn: str, last_doc: str, expected: set[str]
) -> None:
    assert _scope(previous, turn, last_doc) == expected


def test_a_follow_up_that_switches_nothing_searches_everything() -> None:
    assert _scope("瑶海区对假冒商标怎么处理的", "那专利呢？", "yaohai") is None


def test_the_searched_words_lose_the_places_and_levels() -> None:
    query = "国家对知识产权公证有什么要求 瑶海区有没有类似的"
    assert SCOPE.without_jurisdiction(query) == "对知识产权公证有什么要求 有没有类似的"
    assert SCOPE.without_jurisdiction("对假冒商标怎么处理的 省里有没有类似的") == (
        "对假冒商标怎么处理的 有没有类似的"
    )


def test_a_level_of_the_askers_own_place_is_that_places_document_or_none() -> None:
    hefei = GAZETTEER.place("合肥市")
    zaozhuang = GAZETTEER.place("枣庄市")
    assert hefei is not None and zaozhuang is not None
    assert SCOPE.documents_at("provincial", hefei) == {"anhui"}
    assert SCOPE.documents_at("national", zaozhuang) == {"nation"}
    assert SCOPE.documents_at("provincial", zaozhuang) is None  # no 山东 document: search as usual
