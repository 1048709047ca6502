"""Place names in questions, and whether a passage is about that place.

The gazetteer (lexicon/places.yml) is a province → city → district tree. A
mention of a district also counts as a mention of its city and province, so
"薛城区有分中心吗" is about 枣庄 and matches the 枣庄 document.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge.errors import CorpusError

# Suffixes dropped to form the short name people use: 安徽省 → 安徽, 枣庄市 → 枣庄.
_SUFFIX = re.compile(r"(特别行政区|壮族自治区|回族自治区|维吾尔自治区|自治区|省|市|区|县)$")
# Short forms that would be ordinary words (市中区 → 市中).
_NOT_A_NAME = frozenset({"市中", "高新", "新区", "开发"})


@dataclass(frozen=True)
class Place:
    name: str  # as in the gazetteer: 薛城区
    names: tuple[str, ...]  # every way of writing it: 薛城区, 薛城
    lineage: tuple[str, ...]  # its names and those of every enclosing place

    def within(self, other: Place) -> bool:
        """Whether this place is `other` or lies inside it (薛城区 within 枣庄市)."""
        return other.name in self.lineage


@dataclass(frozen=True)
class Found:
    """One place named in a text, and where: 临沂 at 3–5 of 我们是临沂的厂子."""

    place: Place
    start: int
    end: int


class Gazetteer:
    def __init__(self, places: list[Place]) -> None:
        self.places = places
        # Longest names first, so 合肥市 wins over 合肥 and 枣庄高新区 over 枣庄.
        self._by_name = sorted(
            ((alias, place) for place in places for alias in place.names), key=lambda x: -len(x[0])
        )

    @classmethod
    def from_file(cls, path: Path) -> Gazetteer:
        try:
            tree = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise CorpusError(f"not valid YAML ({exc})", path) from exc
        places: list[Place] = []
        cls._walk(tree, (), places)
        return cls(places)

    @staticmethod
    def _aliases(name: str) -> tuple[str, ...]:
        short = _SUFFIX.sub("", name)
        if short != name and len(short) >= 2 and short not in _NOT_A_NAME:
            return (name, short)
        return (name,)

    @classmethod
    def _walk(cls, node: object, parents: tuple[str, ...], out: list[Place]) -> None:
        children: list[tuple[str, object]] = []
        if isinstance(node, dict):
            children = list(node.items())
        elif isinstance(node, list):
            children = [(str(item), None) for item in node]
        for name, sub in children:
            names = cls._aliases(str(name))
            lineage = names + parents
            out.append(Place(str(name), names, lineage))
            if sub:
                cls._walk(sub, lineage, out)

    def mentions(self, text: str) -> list[Place]:
        """Places named in `text`, each once, longest names matched first."""
        found: list[Place] = []
        remaining = text
        for alias, place in self._by_name:
            if alias in remaining:
                remaining = remaining.replace(alias, "\x00")
                if place not in found:
                    found.append(place)
        return found

    def find(self, text: str) -> list[Found]:
        """Every place named in `text` with its position, in reading order.

        The namings that cover the most of the text win: 枣庄高新区 is one
        place, not 枣庄 and a stray 高新区, and 枣庄市中区 is 枣庄 and 市中区,
        not 枣庄市 and a stray 中区. Among readings that cover as much, the one
        of fewer, longer names. Unlike `mentions`, a place named twice is found
        twice: who it belongs to is read from the words around each naming.
        """
        candidates = sorted(
            (
                Found(place, start, start + len(alias))
                for alias, place in self._by_name
                for start in _positions(text, alias)
            ),
            key=lambda f: f.end,
        )
        # Weighted interval scheduling: best[i] is the best reading of the
        # first i candidates, as (characters covered, -namings) and its choice.
        ends = [f.end for f in candidates]
        best: list[tuple[tuple[int, int], list[Found]]] = [((0, 0), [])]
        for i, found in enumerate(candidates):
            before = bisect_right(ends, found.start, 0, i)
            (covered, count), chosen = best[before]
            taking = ((covered + found.end - found.start, count - 1), [*chosen, found])
            best.append(max(best[i], taking, key=lambda item: item[0]))
        return sorted(best[-1][1], key=lambda f: f.start)

    def place(self, name: str) -> Place | None:
        """The place called `name` (枣庄市 or 枣庄), or None if the gazetteer lacks it."""
        for alias, place in self._by_name:
            if alias == name:
                return place
        return None


def place_matches(place: Place, text: str) -> bool:
    """Whether `text` is about `place` or a place that contains it."""
    return any(name in text for name in place.lineage)


def _positions(text: str, alias: str) -> list[int]:
    """Every start of `alias` in `text`, overlapping ones included."""
    out: list[int] = []
    start = text.find(alias)
    while start >= 0:
        out.append(start)
        start = text.find(alias, start + 1)
    return out
