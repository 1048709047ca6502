"""Eligibility for assistance: rules as data, one engine for the bot and the console."""

from knowledge.eligibility.engine import (
    EligibilityError,
    EligibilityResult,
    Reason,
    evaluate,
    facts_needed,
)
from knowledge.eligibility.rules import Basis, RuleSet, load_rules

__all__ = [
    "Basis",
    "EligibilityError",
    "EligibilityResult",
    "Reason",
    "RuleSet",
    "evaluate",
    "facts_needed",
    "load_rules",
]
