"""The eligibility quick check: the bot's own rules and engine, for an agent's form.

The rules, the questions and their labels are the deployment's
(knowledge/deployments/, DEPLOYMENT or DEPLOYMENT_FILE), read exactly as
the action server reads them (actions/runtime.py), so an agent on the phone
and the bot in a chat can never give one person two answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectors.console.errors import InvalidFacts
from knowledge.deployment import deployment_from_env
from knowledge.documents import load_corpus
from knowledge.eligibility import (
    Question,
    RuleSet,
    evaluate,
    facts_needed,
    load_questions,
    load_rules,
)
from knowledge.eligibility.rules import FactValue
from knowledge.settings import KnowledgeSettings


@dataclass(frozen=True)
class EligibilityBook:
    """A deployment's rules and how each fact is asked."""

    rules: RuleSet
    questions: dict[str, Question]

    def form(self) -> list[dict[str, Any]]:
        """The facts in the order the bot asks them, each with its labelled values."""
        return [
            {
                "name": name,
                "question": self.questions[name].text,
                "options": [
                    {"value": value, "label": self.questions[name].options[value]}
                    for value in values
                ],
            }
            for name, values in self.rules.facts.items()
        ]

    def check(self, raw: object) -> dict[str, Any]:
        """The engine's verdict on the facts an agent picked.

        Returns:
            `{"complete": true, "result": EligibilityResult.to_dict(), "citations": [...]}`,
            or `{"complete": false, "needed": [fact names]}` while facts that can
            still change an outcome are missing.

        Raises:
            InvalidFacts: not an object, an unknown fact, or a value the fact cannot take.
        """
        facts = self._facts(raw)
        needed = facts_needed(self.rules, facts)
        if needed:
            return {"complete": False, "needed": needed, "result": None, "citations": []}
        result = evaluate(self.rules, facts).to_dict()
        citations: list[str] = []
        for basis in result["basis"]:
            if basis["citation"] not in citations:
                citations.append(basis["citation"])
        return {"complete": True, "needed": [], "result": result, "citations": citations}

    def _facts(self, raw: object) -> dict[str, FactValue]:
        if not isinstance(raw, Mapping):
            raise InvalidFacts("facts is not an object")
        facts: dict[str, FactValue] = {}
        for name, value in raw.items():
            if name not in self.rules.facts:
                raise InvalidFacts(f"unknown fact {str(name)[:40]!r}")
            if value is None or value == "":
                continue  # not known yet
            # Exact type as well as value: JSON 1 must not pass for true.
            if not any(type(v) is type(value) and v == value for v in self.rules.facts[name]):
                raise InvalidFacts(f"{name} cannot be {str(value)[:40]!r}")
            facts[name] = value
        return facts


def load_book(settings: KnowledgeSettings, env: Mapping[str, str] | None = None) -> EligibilityBook:
    """The deployment's rules (quotes checked against the corpus) and questions.

    Raises:
        knowledge.errors.KnowledgeError: the deployment, rules or corpus cannot be read.
    """
    deployment = deployment_from_env(env)
    rules = load_rules(deployment.eligibility_rules, load_corpus(settings.corpus_dir))
    questions = load_questions(deployment.eligibility_questions, rules, deployment.city)
    return EligibilityBook(rules, questions)
