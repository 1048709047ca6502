"""Whose rule a passage is, and answering from the asker's own jurisdiction first.

The corpus holds a district's, a province's, a city's and the national
document. Someone in 瑶海区 asking what to do about counterfeits should hear
瑶海区's clause when it answers, then 安徽省's, then the national one; someone
in 临沂 should not be told 枣庄's city rule as if it were theirs. Two things
follow:

* `prefer_jurisdiction` re-orders the passages that answer about equally well
  so the one closest to the asker's place comes first: their district or
  city, then their province, then national, then anyone else's. "About
  equally well" is two tests: a relevance score within `COMPARABLE` of the
  best, and as much of the question's own words (place names aside) within
  `COVERAGE` of the best passage's. The reranker's scores crowd near 1 and
  rise for any passage naming the asker's place (瑶海区's big-data platform
  for a question on export insurance), so the score alone would promote
  clauses that do not answer; the words keep them out.
* `asked_places` keeps the asker's own place from counting as a place the
  corpus does not cover: someone in 杭州 asking about 行政裁决 is answered
  by the national document, not refused.
* `jurisdiction_note` says so when the cited clause is another region's.

A document's region is read from its `region` field (安徽省合肥市瑶海区); it
applies to a place when its narrowest unit (瑶海区) is that place or encloses
it. 合肥市 as a whole is not under 瑶海区's rules, and 瑶海区 is under 安徽省's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from enum import IntEnum

from knowledge.bm25 import BM25Index
from knowledge.documents import Level
from knowledge.passages import Passage
from knowledge.places import Place

# A passage answers about as well as the best when its score is at least
# COMPARABLE of the best's and it holds at least COVERAGE of the best's share
# of the question's words. Chosen on the labelled place questions of
# tests/knowledge/test_jurisdiction.py (any value in 0.5–0.7 for COVERAGE
# gives the same result there) and checked on the dev set: README.
COMPARABLE = 0.8
COVERAGE = 0.6
# How far down the ranking a passage may be lifted from.
DEPTH = 10

_UNIT = re.compile(r".+?(?:特别行政区|自治区|省|自治州|地区|市|区|县|旗)")
_PROVINCE = re.compile(r"(?:省|自治区|特别行政区)$")
# Places with an intellectual-property law of their own (一国两制; 台湾):
# the mainland's national documents do not bind them.
_SEPARATE_LAW = re.compile(r"特别行政区|台湾")


class Reach(IntEnum):
    """How closely a document's rules bind the asker, closest first."""

    OWN = 0  # the asker's district or city
    PROVINCE = 1
    NATIONAL = 2
    OTHER = 3  # another region's rules


def region_units(region: str) -> list[str]:
    """安徽省合肥市瑶海区 → [安徽省, 合肥市, 瑶海区]; 全国 → []."""
    return _UNIT.findall(region)


def region_label(region: str) -> str:
    """How a note names a region: 合肥市瑶海区, 枣庄市, 安徽省 (the province only when alone)."""
    units = region_units(region)
    if len(units) > 1 and _PROVINCE.search(units[0]):
        units = units[1:]
    return "".join(units) or region


def is_national(passage: Passage) -> bool:
    return passage.level == Level.NATIONAL.value or not region_units(passage.region)


def under_national_law(place: Place) -> bool:
    """Whether the mainland's national documents bind `place` (not 香港, 澳门, 台湾)."""
    return not any(_SEPARATE_LAW.search(name) for name in place.lineage)


def reach(passage: Passage, places: Sequence[Place]) -> Reach:
    """How closely `passage`'s document binds someone in any of `places`."""
    if is_national(passage):
        bound = not places or any(under_national_law(place) for place in places)
        return Reach.NATIONAL if bound else Reach.OTHER
    narrowest = region_units(passage.region)[-1]
    if not any(narrowest in place.lineage for place in places):
        return Reach.OTHER
    return Reach.PROVINCE if _PROVINCE.search(narrowest) else Reach.OWN


def own_words(typed: Sequence[str], places: Sequence[Place]) -> list[str]:
    """The question's words without the place names in it (瑶海区 → 海区 is a place too)."""
    names = [name for place in places for name in place.names]
    return [word for word in typed if not any(word in name for name in names)]


def coverage(words: Sequence[str], rows: Sequence[int], bm25: BM25Index) -> dict[int, float]:
    """For each passage row, the IDF-weighted share of `words` it holds."""
    rows = list(rows)
    return dict(zip(rows, (float(c) for c in bm25.coverage_per_row(words, rows)), strict=True))


def prefer_jurisdiction(
    order: Sequence[int],
    scores: Mapping[int, float],
    passages: Sequence[Passage],
    places: Sequence[Place],
    covered: Mapping[int, float] | None = None,
) -> list[int]:
    """`order` with the comparably good passages sorted by how closely they bind `places`.

    `scores` are the ranking's relevance scores, descending along `order`;
    `covered` the share of the question's own words each passage holds
    (`coverage`), without which only scores are compared. Without places,
    or when the best score is not positive, nothing moves.
    """
    order = list(order)
    if not places or not order:
        return order
    best = scores[order[0]]
    if best <= 0:
        return order
    covered = covered or {}
    floor = COVERAGE * covered.get(order[0], 0.0)
    head = [
        i
        for i in order[:DEPTH]
        if i == order[0] or (scores[i] >= best * COMPARABLE and covered.get(i, 1.0) >= floor)
    ]
    chosen = set(head)
    position = {i: n for n, i in enumerate(order)}
    head.sort(key=lambda i: (reach(passages[i], places), position[i]))
    return head + [i for i in order if i not in chosen]


def asked_places(named: Sequence[Place], own: Sequence[Place]) -> list[Place]:
    """The places of `named` a question asks about: not the asker's own.

    The asker's own place stays when national rules do not bind it (香港):
    there the corpus, mainland policy, has nothing to say.
    """
    return [p for p in named if p not in own or not under_national_law(p)]


def jurisdiction_note(
    passage: Passage, asker: Sequence[Place] = (), home: Place | None = None
) -> str:
    """A short note when the cited clause is another region's rule than the asker's.

    `asker` are the places the person named as theirs; when they named none,
    the rule is measured against `home`, the centre's own city (its province
    and the national documents need no note). Empty when the rule applies, or
    when there is nothing to measure it against.
    """
    if is_national(passage):
        return ""
    places = list(asker) or ([home] if home is not None else [])
    if not places or reach(passage, places) is not Reach.OTHER:
        return ""
    whose = f"这是{region_label(passage.region)}的规定"
    if len(asker) == 1:
        return f"{whose}，不一定适用于您所在的{asker[0].name}。"
    return f"{whose}，不一定适用于您所在的地方。"
