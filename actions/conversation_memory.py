"""What a person has said about themselves, read from any message of the conversation.

"我是市中区的，自己搞的外观设计专利被隔壁厂照着做了，家里困难" is a policy
question's context, and three answers of the eligibility check at once. The
facts are kept in the form's own slots, so when the person then asks "那我能
申请援助吗" the check asks only what is still unknown. A later statement wins
over an earlier one ("不对，是商标"); what the form asks is validated again.

Facts are read only where the person speaks of themselves (我, 我们厂, 家里):
"电商平台上被侵权怎么处理" is about a topic, not the asker's own case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from actions.vocabulary import FACTS, FactVocabulary
from knowledge.deployment import Deployment
from knowledge.places import Gazetteer
from knowledge.utterance import speaks_of_self

HARDSHIP = re.compile(r"困难|没钱|没有钱|请不起|付不起|拿不出|出不起|低保|贫困|紧张|负担不起|吃力")
NO_HARDSHIP = re.compile(
    r"不困难|没有困难|没困难|还可以|还行|不缺钱|负担得起|付得起|不需要资金|条件不错|过得去"
)


def hardship_in(text: str) -> bool | None:
    """True/False when the words say whether money is tight; None when they do not."""
    if NO_HARDSHIP.search(text):
        return False
    if HARDSHIP.search(text):
        return True
    return None


@dataclass(frozen=True)
class FactReader:
    """Reads the eligibility facts a message states about the person."""

    vocabulary: FactVocabulary
    deployment: Deployment
    gazetteer: Gazetteer

    def facts_in(self, text: str) -> dict[str, Any]:
        """The facts the message states; empty when it does not speak of the person."""
        if not speaks_of_self(text):
            return {}
        facts: dict[str, Any] = {}
        for fact in FACTS:
            value = self.vocabulary.told(fact, text)
            if value is not None:
                facts[fact] = value
        in_region = self.deployment.in_region(text, self.gazetteer)
        if in_region is not None:
            facts["in_region"] = in_region
        hardship = hardship_in(text)
        if hardship is not None:
            facts["financial_hardship"] = hardship
        return facts
