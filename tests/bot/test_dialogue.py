"""The Rasa side: the contract names, NLU quality on held-out data, the test stories."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "artifacts"
CONTRACT_INTENTS = {
    "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "ask_human", "out_of_scope",
    "ask_policy", "check_eligibility", "apply_assistance", "query_case", "inform",
}  # fmt: skip
FACTS = {
    "applicant_type": {"individual", "micro_small_enterprise", "large_enterprise", "organization", "research_institution"},
    "ip_type": {"patent", "trademark", "copyright", "geographical_indication", "trade_secret", "plant_variety", "other"},
    "issue_type": {"infringed", "accused", "ownership", "invalidation", "overseas", "ecommerce", "exhibition", "consultation"},
}  # fmt: skip


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _examples(path: Path) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for item in _yaml(path).get("nlu", []):
        if "intent" in item:
            lines = str(item["examples"]).splitlines()
            out.setdefault(item["intent"], set()).update(
                x.lstrip("- ").strip() for x in lines if x.strip()
            )
    return out


def _rasa(*args: str) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    from rasa_model import rasa_env

    env = rasa_env(ROOT) | {
        "ACTIONS_PORT": "9",  # the tests below run no action: nothing must answer
        "TRACKER_DIALECT": "sqlite",
        "TRACKER_URL": "sqlite://",
    }
    command = [str(ROOT / ".venv-rasa" / "bin" / "rasa"), *args]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_domain_keeps_the_contract() -> None:
    domain = _yaml(ROOT / "bot" / "domain.yml")
    assert set(domain["intents"]) == CONTRACT_INTENTS
    for fact, values in FACTS.items():
        assert set(domain["slots"][fact]["values"]) == values
    assert domain["slots"]["in_region"]["type"] == "bool"
    assert domain["slots"]["financial_hardship"]["type"] == "bool"
    assert "eligibility_result" in domain["slots"]


def test_every_question_of_the_case_forms_has_an_action_that_asks_it() -> None:
    domain = _yaml(ROOT / "bot" / "domain.yml")
    actions = set(domain["actions"])
    for form in ("case_form", "case_lookup_form"):
        for slot in domain["forms"][form]["required_slots"]:
            assert slot in domain["slots"], slot
            assert {f"action_ask_{slot}", f"action_ask_{form}_{slot}"} & actions, slot
        assert f"validate_{form}" in actions
    # Personal data is read by the validator only, never by a mapping that
    # could fill it from a message sent outside the form.
    for slot in ("contact_name", "contact_phone", "id_number", "credit_code"):
        assert domain["slots"][slot]["mappings"] == [{"type": "custom"}]
        assert domain["slots"][slot]["influence_conversation"] is False


def test_training_data_is_varied_and_held_out_data_is_separate() -> None:
    training: dict[str, set[str]] = {}
    for path in (ROOT / "nlu_data").glob("*.yml"):
        for intent, examples in _examples(path).items():
            training.setdefault(intent, set()).update(examples)
    assert set(training) == CONTRACT_INTENTS
    assert all(len(examples) >= 30 for examples in training.values())
    assert len(training["ask_policy"]) >= 80
    held_out = _examples(ROOT / "tests" / "data" / "nlu_test.yml")
    for intent, examples in held_out.items():
        assert not examples & training[intent], f"{intent}: test examples also in training"


@pytest.mark.slow
def test_nlu_on_held_out_examples(rasa_model: Path) -> None:
    out = REPORTS / "nlu"
    _rasa(
        "test",
        "nlu",
        "--model",
        str(rasa_model),
        "--nlu",
        "tests/data/nlu_test.yml",
        "--out",
        str(out),
    )
    report = json.loads((out / "intent_report.json").read_text(encoding="utf-8"))
    assert report["accuracy"] >= 0.92, report["accuracy"]
    assert report["macro avg"]["f1-score"] >= 0.90, report["macro avg"]


@pytest.mark.slow
def test_conversation_stories(rasa_model: Path) -> None:
    out = REPORTS / "stories"
    _rasa(
        "test", "core", "--model", str(rasa_model),
        "--stories", "tests/conversations/test_stories.yml",
        "--endpoints", "bot/endpoints.yml", "--out", str(out),
    )  # fmt: skip
    report = json.loads((out / "story_report.json").read_text(encoding="utf-8"))
    failed = (out / "failed_test_stories.yml").read_text(encoding="utf-8")
    assert report["conversation_accuracy"]["accuracy"] == 1.0, failed
