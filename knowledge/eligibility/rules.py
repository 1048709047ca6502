"""A deployment's eligibility rules, read from YAML and checked against the corpus.

The rules are data so each centre can state its own; see zaozhuang.yml for the
format. Loading validates everything a typo could break — fact names, allowed
values, outcome names — and checks that every quoted clause really is in the
cited section of the document, so the bot never quotes words the policy does
not contain.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from knowledge.documents import Document, book_title
from knowledge.errors import CorpusError
from knowledge.headings import section_key
from knowledge.structure import chunk_document

FactValue = str | bool
OUTCOMES = ("consultation", "infringement_opinion", "financial_assistance", "referral")


@dataclass(frozen=True)
class Basis:
    """A clause a rule rests on, ready to cite."""

    doc_id: str
    title: str
    doc_number: str
    section: str
    quote: str

    @property
    def citation(self) -> str:
        return f"{book_title(self.title)}{self.doc_number} {self.section}"

    def to_dict(self) -> dict[str, str]:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "doc_number": self.doc_number,
            "section": self.section,
            "quote": self.quote,
            "citation": self.citation,
        }


@dataclass(frozen=True)
class Condition:
    fact: str
    values: frozenset[FactValue]
    negated: bool = False

    def holds(self, value: FactValue) -> bool:
        return (value in self.values) != self.negated


@dataclass(frozen=True)
class Rule:
    outcome: str
    when: tuple[Condition, ...]
    value: Any
    explain: str
    basis: tuple[Basis, ...]


@dataclass(frozen=True)
class RuleSet:
    """Facts (in the order they are asked) and, per outcome, its rules in order."""

    facts: dict[str, tuple[FactValue, ...]]
    outcomes: dict[str, tuple[Rule, ...]]
    source: Path


def _condition(
    fact: str, spec: Any, facts: dict[str, tuple[FactValue, ...]], path: Path
) -> Condition:
    if fact not in facts:
        raise CorpusError(f"rule uses unknown fact {fact!r}", path)
    negated = isinstance(spec, dict) and "not" in spec
    raw = spec["not"] if negated else spec
    values = frozenset(raw if isinstance(raw, list) else [raw])
    unknown = values - set(facts[fact])
    if unknown:
        raise CorpusError(f"fact {fact!r} has no value {sorted(map(str, unknown))}", path)
    return Condition(fact, values, negated)


def _sections(document: Document) -> dict[str, str]:
    text: dict[str, str] = {}
    for chunk in chunk_document(document, max_chars=100_000):
        key = section_key(chunk.section)
        text[key] = text.get(key, "") + chunk.title + chunk.text
    return text


def load_rules(path: Path, documents: list[Document]) -> RuleSet:
    """Parse and validate a rules file; quotes must occur in the cited sections."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CorpusError(f"cannot read eligibility rules ({exc})", path) from exc
    if not isinstance(raw, dict) or not {"document", "facts", "outcomes"} <= set(raw):
        raise CorpusError("rules need 'document', 'facts' and 'outcomes'", path)
    document = next((d for d in documents if d.doc_id == raw["document"]), None)
    if document is None:
        raise CorpusError(f"rules cite document {raw['document']!r}, not in the corpus", path)
    sections = _sections(document)
    facts = {name: tuple(spec["values"]) for name, spec in raw["facts"].items()}
    missing = set(OUTCOMES) - set(raw["outcomes"])
    if missing:
        raise CorpusError(f"rules lack outcomes {sorted(missing)}", path)
    outcomes: dict[str, tuple[Rule, ...]] = {}
    for outcome, rules in raw["outcomes"].items():
        parsed = []
        for index, spec in enumerate(rules):
            when = tuple(_condition(f, v, facts, path) for f, v in (spec.get("when") or {}).items())
            basis = []
            for cited in spec.get("basis") or []:
                section = str(cited["section"])
                if cited["quote"] not in sections.get(section_key(section), ""):
                    where = f"{outcome} rule {index + 1}"
                    raise CorpusError(
                        f"{where}: quote not found in {section}: {cited['quote']}", path
                    )
                basis.append(
                    Basis(
                        document.doc_id,
                        document.title,
                        document.doc_number,
                        section,
                        cited["quote"],
                    )
                )
            parsed.append(
                Rule(outcome, when, spec.get("value"), str(spec["explain"]), tuple(basis))
            )
        if parsed[-1].when:
            raise CorpusError(f"the last {outcome} rule must apply otherwise (no 'when')", path)
        outcomes[outcome] = tuple(parsed)
    return RuleSet(facts=facts, outcomes=outcomes, source=path)


@dataclass(frozen=True)
class Question:
    """How a fact is asked, and the label of each of its values."""

    fact: str
    text: str
    options: dict[FactValue, str]  # button labels
    shown: dict[FactValue, str]  # how an answer reads in a summary


def load_questions(path: Path, rules: RuleSet, city: str) -> dict[str, Question]:
    """Questions for every fact of `rules`, each value labelled."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise CorpusError(f"cannot read questions ({exc})", path) from exc
    questions = {}
    for fact, values in rules.facts.items():
        spec = raw.get(fact)
        if not isinstance(spec, dict) or set(spec.get("options", {})) != set(values):
            raise CorpusError(f"questions must ask {fact!r} with a label for each value", path)

        def fill(label: object) -> str:
            return str(label).replace("{city}", city)

        options = {v: fill(spec["options"][v]) for v in values}
        shown = {v: fill(spec.get("shown", {}).get(v, options[v])) for v in values}
        questions[fact] = Question(fact, fill(spec["question"]), options, shown)
    return questions
