"""Decide eligibility from facts, and say which facts are still worth asking.

Each outcome is decided by its first rule whose conditions hold. With some
facts unknown an outcome may already be settled (an overseas dispute is
referred whatever the applicant type), so the form asks only facts that can
still change an outcome: every completion of the unknown facts is tried (a
few hundred at most), and a fact matters if changing it alone changes the
result. That is how financial hardship comes to be asked only of an
individual with a patent matter in the region.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from knowledge.eligibility.rules import OUTCOMES, FactValue, Rule, RuleSet


@dataclass(frozen=True)
class Reason:
    outcome: str
    value: Any
    explain: str
    basis: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class EligibilityResult:
    """The four outcomes and the reasons behind each (the slot `eligibility_result`)."""

    consultation: bool
    infringement_opinion: bool
    financial_assistance: str  # eligible | not_eligible | review
    referral: str | None  # None | overseas_center | transfer_region
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        basis: list[dict[str, Any]] = []
        for reason in self.reasons:
            for cited in reason.basis:
                basis.append({**cited, "outcome": reason.outcome, "explain": reason.explain})
        return {
            "consultation": self.consultation,
            "infringement_opinion": self.infringement_opinion,
            "financial_assistance": self.financial_assistance,
            "referral": self.referral,
            "basis": basis,
        }


class EligibilityError(ValueError):
    """Facts that are not in the rules' vocabulary, or too few to decide."""


def check_facts(rules: RuleSet, facts: Mapping[str, FactValue | None]) -> dict[str, FactValue]:
    """The known facts, validated against the rules' allowed values."""
    known: dict[str, FactValue] = {}
    for name, value in facts.items():
        if value is None or name not in rules.facts:
            continue
        if value not in rules.facts[name]:
            raise EligibilityError(f"{name} cannot be {value!r}")
        known[name] = value
    return known


def _first_rule(rules: tuple[Rule, ...], facts: Mapping[str, FactValue]) -> Rule | None:
    """The deciding rule, or None while an earlier rule depends on an unknown fact."""
    for rule in rules:
        known = [c for c in rule.when if c.fact in facts]
        if not all(c.holds(facts[c.fact]) for c in known):
            continue  # a known fact rules it out, whatever the rest turns out to be
        if len(known) < len(rule.when):
            return None
        return rule
    return None  # unreachable: the last rule has no conditions


def _decide_all(rules: RuleSet, facts: Mapping[str, FactValue]) -> tuple[Rule | None, ...]:
    return tuple(_first_rule(rules.outcomes[name], facts) for name in OUTCOMES)


Key = tuple[tuple[str, FactValue], ...]


def _key(facts: Mapping[str, FactValue]) -> Key:
    return tuple(sorted(facts.items()))


def _outcomes_by_completion(
    rules: RuleSet, known: dict[str, FactValue]
) -> dict[Key, tuple[Any, ...]]:
    """Every way the unknown facts could turn out, and the outcomes each gives."""
    unknown = [name for name in rules.facts if name not in known]
    table: dict[Key, tuple[Any, ...]] = {}
    for values in itertools.product(*(rules.facts[name] for name in unknown)):
        completion = {**known, **dict(zip(unknown, values, strict=True))}
        table[_key(completion)] = tuple(
            rule.value if rule else None for rule in _decide_all(rules, completion)
        )
    return table


def _matters(rules: RuleSet, fact: str, table: dict[Key, tuple[Any, ...]]) -> bool:
    """Whether changing `fact` alone changes an outcome in some completion."""
    for key, outcomes in table.items():
        completion = dict(key)
        for other in rules.facts[fact]:
            if other != completion[fact] and table[_key({**completion, fact: other})] != outcomes:
                return True
    return False


def facts_needed(rules: RuleSet, facts: Mapping[str, FactValue | None]) -> list[str]:
    """Unknown facts that can still change an outcome, in the order to ask them."""
    known = check_facts(rules, facts)
    if all(rule is not None for rule in _decide_all(rules, known)):
        return []
    table = _outcomes_by_completion(rules, known)
    return [name for name in rules.facts if name not in known and _matters(rules, name, table)]


def evaluate(rules: RuleSet, facts: Mapping[str, FactValue | None]) -> EligibilityResult:
    """The result for facts that settle every outcome (see facts_needed)."""
    known = check_facts(rules, facts)
    decided = _decide_all(rules, known)
    if any(rule is None for rule in decided):
        raise EligibilityError(f"not enough facts; still needed: {facts_needed(rules, known)}")
    by_outcome = {rule.outcome: rule for rule in decided if rule is not None}
    reasons = tuple(
        Reason(r.outcome, r.value, r.explain, tuple(b.to_dict() for b in r.basis))
        for r in by_outcome.values()
    )
    return EligibilityResult(
        consultation=bool(by_outcome["consultation"].value),
        infringement_opinion=bool(by_outcome["infringement_opinion"].value),
        financial_assistance=str(by_outcome["financial_assistance"].value),
        referral=by_outcome["referral"].value,
        reasons=reasons,
    )
