"""Questions that name a document: "瑶海区的实施意见里…", "国知发保字〔2024〕12号讲的是啥".

People point at a document by where it is from (瑶海区, 安徽), who issued it
(国家知识产权局), its 文号, or its kind and year (2021年的要点). Each document
is described by those keys only — not by the topic words of its title, which
would lift a whole document for any question on its topic. A question's keys,
weighted by how few documents share each one, say which document it points
at; the searcher then lifts that document's passages.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from knowledge.passages import Passage
from knowledge.places import Gazetteer

# The kind of a document, as people name it: "那个实施意见", "2021年的要点".
_KIND = re.compile(
    r"(实施意见|指导意见|意见|工作要点|要点|实施办法|办法|通知|条例|规定|细则|方案|规划)$"
)
_YEAR = re.compile(r"(?:19|20)\d{2}")


@dataclass(frozen=True)
class DocumentKeys:
    doc_id: str
    keys: frozenset[str]


class DocumentMatcher:
    """Scores how strongly a question names each document."""

    def __init__(self, passages: list[Passage], gazetteer: Gazetteer) -> None:
        first: dict[str, Passage] = {}
        for passage in passages:
            first.setdefault(passage.doc_id, passage)
        self._documents = [
            DocumentKeys(doc_id, frozenset(_keys(p, gazetteer))) for doc_id, p in first.items()
        ]
        n = max(len(self._documents), 1)
        df: dict[str, int] = {}
        for document in self._documents:
            for key in document.keys:
                df[key] = df.get(key, 0) + 1
        # Plain IDF without smoothing: a key every document has weighs zero.
        self._idf = {key: math.log(n / count) for key, count in df.items()}

    def scores(self, question: str) -> dict[str, float]:
        """doc_id → how specifically the question names that document (absent if not at all)."""
        out: dict[str, float] = {}
        for document in self._documents:
            score = sum(self._idf[k] for k in document.keys if k in question)
            if score > 0:
                out[document.doc_id] = score
        return out


def _keys(passage: Passage, gazetteer: Gazetteer) -> set[str]:
    keys: set[str] = set()
    for place in gazetteer.mentions(passage.region):
        keys.update(place.names)
    for issuer in re.split(r"[、，,\s]+", passage.issuer):
        if len(issuer) >= 3:
            keys.add(issuer)
            keys.update(place_name for p in gazetteer.mentions(issuer) for place_name in p.names)
    if passage.doc_number:
        keys.add(passage.doc_number)
        keys.add(re.split(r"[〔［\[（(]", passage.doc_number)[0])
    title = re.sub(r"[《》〈〉]", "", passage.title)
    kind = _KIND.search(title)
    if kind:
        keys.add(kind.group(1))
    keys.update(_YEAR.findall(title))
    return keys
