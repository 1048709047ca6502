"""Actions are tested the way rasa-sdk calls them: a Tracker in, events and messages out."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.vocabulary import FactVocabulary
from knowledge.deployment import Deployment, deployment_from_env
from knowledge.documents import load_corpus
from knowledge.eligibility import Question, RuleSet, load_questions, load_rules
from knowledge.places import Gazetteer
from knowledge.settings import KnowledgeSettings

ROOT = Path(__file__).resolve().parents[2]
DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def deployment() -> Deployment:
    return deployment_from_env({})


@pytest.fixture(scope="session")
def rules(deployment: Deployment) -> RuleSet:
    return load_rules(deployment.eligibility_rules, load_corpus(ROOT / "knowledge" / "corpus"))


@pytest.fixture(scope="session")
def questions(rules: RuleSet, deployment: Deployment) -> dict[str, Question]:
    return load_questions(deployment.eligibility_questions, rules, deployment.city)


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return Gazetteer.from_file(KnowledgeSettings().places)


@pytest.fixture(scope="session")
def vocabulary(rules: RuleSet) -> FactVocabulary:
    return FactVocabulary.from_nlu(ROOT / "nlu_data" / "entities.yml", rules.facts)


def tracker(
    text: str,
    intent: str,
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    form: str | None = None,
    set_now: dict[str, Any] | None = None,
) -> Tracker:
    """A tracker whose latest message is `text`, classified as `intent`.

    `set_now` are slots Rasa's own mappings set from this message (as its
    action_extract_slots does before the form validation runs).
    """
    message = {"text": text, "intent": {"name": intent}, "entities": entities or []}
    all_slots = {name: None for name in DOMAIN["slots"]} | {"requested_slot": None} | (slots or {})
    all_slots |= set_now or {}
    events = [{"event": "user", "text": text, "parse_data": message}]
    events += [{"event": "slot", "name": k, "value": v} for k, v in (set_now or {}).items()]
    active = {"name": form} if form else {}
    return Tracker("test", all_slots, message, events, False, None, active, "action_listen")


def run(action: Action, state: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(events, messages) of one run of `action`."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, state, DOMAIN))
    return list(events), dispatcher.messages


def slots_set(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
