"""From a typed question to what the rankers search for.

A question (of a long message, its opening and its end: knowledge.bounded)
is cleaned like the documents, its homophone typos are mended
(维全 → 维权), its colloquial words gain their formal counterparts (盗版 → 侵权,
著作权), and it is cut into BM25 terms. Words the person typed weigh 1;
words added on their behalf weigh less, so an expansion can help a passage
but never outweigh what was actually asked.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from knowledge.answer_type import AnswerType, asked_types
from knowledge.bm25 import BM25Index
from knowledge.bounded import bounded
from knowledge.lexicon import Lexicon
from knowledge.normalize import normalize_query
from knowledge.places import Gazetteer, Place
from knowledge.typos import HomophoneCorrector

EXPANSION_WEIGHT = 0.6
CORRECTION_WEIGHT = 0.9
_CONTENT = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")


@dataclass(frozen=True)
class AnalyzedQuery:
    raw: str
    cleaned: str
    dense_text: str  # cleaned, typos mended: what is embedded
    weights: dict[str, float]  # BM25 term → weight
    typed: list[str]  # the person's own words (mended)
    unknown: list[str]  # typed words found nowhere in the corpus
    unknown_share: float  # their share of the typed words, weighted by specificity
    domain: float  # how strongly the most telling word belongs to the corpus's field
    expansions: list[str] = field(default_factory=list)
    corrections: list[tuple[str, str]] = field(default_factory=list)
    asks: list[AnswerType] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)


class QueryAnalyzer:
    def __init__(
        self,
        lexicon: Lexicon,
        bm25: BM25Index,
        corrector: HomophoneCorrector,
        gazetteer: Gazetteer,
    ) -> None:
        self.lexicon = lexicon
        self._vocabulary = bm25.vocabulary
        self._document_frequency = bm25.document_frequency
        self._passages = max(bm25.size, 1)
        self.corrector = corrector
        self.gazetteer = gazetteer

    def warm(self) -> None:
        self.lexicon.warm()
        self.corrector.warm()

    def _keyness(self, token: str, specificity: float) -> float:
        """log(share of passages using the word) − log(its frequency in general Chinese).

        维权 or 侵权 are far more common in the corpus than in Chinese at
        large; 办理 or 工作 are common everywhere. A question whose most
        telling word is a general one (护照在哪里办理) is likely off the field.
        """
        share = self._document_frequency[self._vocabulary[token]] / self._passages
        return max(math.log(share) + specificity, 0.0)

    def analyze(self, raw: str) -> AnalyzedQuery | None:
        """None when the question has nothing to search for (empty, only emoji or symbols).

        Of a long message only the bounded part is read (knowledge.bounded):
        mending and embedding all of 2,000 characters costs about 25 times a question.
        """
        cleaned = normalize_query(bounded(raw or ""))
        if not _CONTENT.search(cleaned):
            return None
        corrections = self.corrector.corrections(cleaned)
        mended = cleaned
        for wrong, meant in corrections:
            mended = mended.replace(wrong, meant)
        typed_tokens = self.lexicon.tokenize(mended)
        weights: dict[str, float] = {}
        for token in typed_tokens:
            weights[token] = weights.get(token, 0.0) + 1.0
        for _, meant in corrections:
            for token in self.lexicon.tokenize(meant):
                weights[token] = max(weights.get(token, 0.0), CORRECTION_WEIGHT)
        matched = self.lexicon.expand(mended)
        expansions = list(dict.fromkeys(term for m in matched for term in m.terms))
        for term in expansions:
            for token in self.lexicon.tokenize(term):
                weights.setdefault(token, EXPANSION_WEIGHT)
        # A word the corpus lacks is not unknown if the lexicon knows what it means.
        phrases = [m.phrase for m in matched]
        unknown = [
            t
            for t in dict.fromkeys(typed_tokens)
            if t not in self._vocabulary and not any(t in p or p in t for p in phrases)
        ]
        typed = list(dict.fromkeys(typed_tokens))
        weight = {t: self.lexicon.specificity(t) for t in typed}
        domain = max(
            (self._keyness(t, weight[t]) for t in typed if t in self._vocabulary), default=0.0
        )
        total = sum(weight.values())
        unknown_share = sum(weight[t] for t in unknown) / total if total else 1.0
        return AnalyzedQuery(
            raw=raw,
            cleaned=cleaned,
            dense_text=mended,
            weights=weights,
            typed=typed,
            unknown=unknown,
            unknown_share=unknown_share,
            domain=domain,
            expansions=expansions,
            corrections=corrections,
            asks=asked_types(mended),
            places=self.gazetteer.mentions(mended),
        )
