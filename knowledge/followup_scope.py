"""Which documents a follow-up that switches jurisdiction asks about.

"瑶海区对假冒商标怎么处理的" then "国家层面呢" asks the national document,
"省里有没有类似的" the province's (安徽省, the province of the last answer's
district), "那枣庄呢" 枣庄's. The switch says *whose rules*, so the answer
must come from that jurisdiction's documents or from none: searching the
words alone answers "国家层面呢" with a clause that mentions 国家, and "省里"
after a 枣庄 answer with 安徽's rules. A level the corpus lacks for that
place (no 山东省 document) is an honest "no document", not a neighbour's rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from knowledge.followup import LEVEL_WORDS, Followup
from knowledge.passages import Passage
from knowledge.places import Gazetteer, Place

NATIONAL = "national"
# A level's own words, and the bare 省/市/区 the place names leave behind.
_LEVEL_WORDS = re.compile("|".join(p.pattern for p in LEVEL_WORDS.values()) + "|层面")


@dataclass(frozen=True)
class Document:
    doc_id: str
    level: str  # national, provincial, city, district
    place: Place | None  # the narrowest place of its region; None for 全国


class FollowupScope:
    """The corpus's documents by jurisdiction, to resolve a follow-up's switch."""

    def __init__(self, documents: Iterable[Document], gazetteer: Gazetteer) -> None:
        self._documents = list(documents)
        self._gazetteer = gazetteer

    @classmethod
    def of(cls, passages: Iterable[Passage], gazetteer: Gazetteer) -> FollowupScope:
        regions = {p.doc_id: (p.region, p.level) for p in passages}
        return cls(
            (
                Document(doc_id, level, _narrowest(gazetteer.mentions(region)))
                for doc_id, (region, level) in regions.items()
            ),
            gazetteer,
        )

    def documents_for(self, followup: Followup, last_doc: str | None) -> frozenset[str] | None:
        """The doc_ids the switch points to; None when the turn switches nothing.

        An empty set means the corpus has no document of that jurisdiction.
        """
        named = [p for name in followup.places for p in self._gazetteer.mentions(name)[:1]]
        if named:
            return self._for_place(named[0])
        if followup.level is None:
            return None
        if followup.level == NATIONAL:
            return frozenset(d.doc_id for d in self._documents if d.level == NATIONAL)
        last = next((d for d in self._documents if d.doc_id == last_doc), None)
        if last is None or last.place is None:
            return None  # "省里呢" with nothing before it to be the province of
        return frozenset(
            d.doc_id
            for d in self._documents
            if d.level == followup.level
            and d.place is not None
            and (last.place.within(d.place) or d.place.within(last.place))
        )

    def documents_at(self, level: str, place: Place) -> frozenset[str] | None:
        """The documents of `level` that bind `place`: 合肥的企业问"省里有什么规定" asks 安徽's.

        None when the corpus has none (the question is then searched as usual).
        """
        if level == NATIONAL:
            found = {d.doc_id for d in self._documents if d.level == NATIONAL}
        else:
            found = {
                d.doc_id
                for d in self._documents
                if d.level == level and d.place is not None and place.within(d.place)
            }
        return frozenset(found) or None

    def _for_place(self, place: Place) -> frozenset[str]:
        """The place's own documents, else those of the nearest enclosing jurisdiction."""
        own = {d.doc_id for d in self._documents if d.place == place}
        if own:
            return frozenset(own)
        enclosing = [d for d in self._documents if d.place is not None and place.within(d.place)]
        if enclosing:
            nearest = max(len(d.place.lineage) for d in enclosing if d.place is not None)
            return frozenset(
                d.doc_id for d in enclosing if d.place and len(d.place.lineage) == nearest
            )
        return frozenset(d.doc_id for d in self._documents if d.level == NATIONAL)

    def without_jurisdiction(self, query: str) -> str:
        """The query with its place names and level words taken out: what is asked, not where."""
        for found in reversed(self._gazetteer.find(query)):
            query = query[: found.start] + query[found.end :]
        return re.sub(r"\s+", " ", _LEVEL_WORDS.sub("", query)).strip()


def _narrowest(places: list[Place]) -> Place | None:
    return max(places, key=lambda p: len(p.lineage), default=None)
