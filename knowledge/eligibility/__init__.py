"""Eligibility for assistance: rules as data, one engine for the bot and the console."""

from knowledge.eligibility.engine import (
    EligibilityError,
    EligibilityResult,
    Reason,
    evaluate,
    facts_needed,
)
from knowledge.eligibility.rules import Basis, Question, RuleSet, load_questions, load_rules

__all__ = [
    "Basis",
    "EligibilityError",
    "EligibilityResult",
    "Question",
    "Reason",
    "RuleSet",
    "evaluate",
    "facts_needed",
    "load_questions",
    "load_rules",
]
