"""Read eligibility facts from free text with the NLU's own synonyms.

The NLU model extracts entities, but a short answer it does not tag (就是个
小作坊) is still an answer. The synonyms file the NLU is trained with already
lists every surface form of every value; reading it here means one list to
maintain, and the form understands what the model was taught.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

FACTS = ("applicant_type", "ip_type", "issue_type")
NEGATION = re.compile(r"不是|不|非|没|并非")
# 个 is also a measure word: 个人 names the applicant after 是/我/以 or on its
# own, but 二十来个人 counts people, 他个人的 is someone else's, 找个人 is anyone.
MEASURE_WORD = "个"
OWN_BEFORE_MEASURE = re.compile(r"(?:^|[\s，,。.！!？?；;：:、是我俺为以按属作就都])$")
# Where a message names several values of one fact, the more specific wins:
# an infringement on 淘宝 is an e-commerce case, a lawsuit in 美国 an overseas one.
SPECIFIC_FIRST = {
    "issue_type": (
        "overseas",
        "ecommerce",
        "exhibition",
        "accused",
        "invalidation",
        "ownership",
        "infringed",
        "consultation",
    ),
}


# Values whose words are also how people ask: 问问 / 咨询一下 / 了解一下 in
# "领导让我来问问能不能申请援助" is the asking, not a situation with no dispute.
# Such a value is taken only as the answer to its own question.
ASKING_WORDS_ONLY = {"issue_type": frozenset({"consultation"})}


@dataclass(frozen=True)
class FactVocabulary:
    """Surface form → canonical value, per fact, longest forms first."""

    forms: dict[str, list[tuple[str, str]]]

    @classmethod
    def from_nlu(cls, path: Path, values: Mapping[str, Sequence[object]]) -> FactVocabulary:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        by_value: dict[str, list[str]] = {}
        for item in raw.get("nlu", []):
            if "synonym" in item:
                examples = [
                    line.lstrip("- ").strip()
                    for line in str(item.get("examples", "")).splitlines()
                    if line.strip()
                ]
                by_value.setdefault(str(item["synonym"]), []).extend(examples)
        forms: dict[str, list[tuple[str, str]]] = {}
        for fact in FACTS:
            allowed = {str(v) for v in values.get(fact, ())}
            pairs = [
                (form.lower(), value)
                for value, surface in by_value.items()
                if value in allowed
                for form in [value, *surface]
            ]
            forms[fact] = sorted(pairs, key=lambda pair: -len(pair[0]))
        return cls(forms)

    def find(self, fact: str, text: str) -> str | None:
        """The value named in `text`, not negated; the more specific one when several are.

        "我是个人，不是公司": 公司 follows 不是, so the answer is 个人.
        "专利在淘宝上被人仿冒了" names both 被仿冒 and 淘宝: it is an e-commerce
        infringement, which the rules treat apart from infringement in general.
        """
        lowered = text.lower()
        found: list[str] = []
        for form, value in self.forms.get(fact, []):
            start = lowered.find(form) if form else -1
            while start >= 0:
                before = lowered[max(start - 3, 0) : start]
                counted = form.startswith(MEASURE_WORD) and not OWN_BEFORE_MEASURE.search(before)
                if not counted and not NEGATION.search(before):
                    found.append(value)
                    break
                start = lowered.find(form, start + 1)
        if not found:
            return None
        order = SPECIFIC_FIRST.get(fact, ())
        return min(found, key=lambda v: order.index(v) if v in order else len(order))

    def told(self, fact: str, text: str) -> str | None:
        """A value the message tells without being asked for it (see ASKING_WORDS_ONLY)."""
        value = self.find(fact, text)
        return None if value in ASKING_WORDS_ONLY.get(fact, ()) else value

    def canonical(self, fact: str, value: object) -> str | None:
        """A value as the rules name it: canonical already, or one of its forms."""
        if value is None:
            return None
        text = str(value).lower()
        for form, canonical in self.forms.get(fact, []):
            if text in (form, canonical):
                return canonical
        return None
