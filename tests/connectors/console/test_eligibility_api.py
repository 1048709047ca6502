"""The eligibility quick check answers exactly what the bot's engine answers."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web

from connectors.console.eligibility import EligibilityBook, load_book
from connectors.console.keys import ELIGIBILITY
from connectors.console.lazy import Lazy
from knowledge.deployment import deployment_from_env
from knowledge.documents import load_corpus
from knowledge.eligibility import RuleSet, evaluate, load_rules
from knowledge.settings import KnowledgeSettings
from tests.connectors.console.conftest import Console, MakeConsole


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    """The deployment's rules, loaded here independently of the gateway."""
    deployment = deployment_from_env()
    return load_rules(deployment.eligibility_rules, load_corpus(KnowledgeSettings().corpus_dir))


@pytest.fixture(scope="module")
def book() -> EligibilityBook:
    return load_book(KnowledgeSettings())


@pytest.fixture
async def console(make_console: MakeConsole, book: EligibilityBook) -> Console:
    """A gateway whose rules are loaded once for the module (0.3 s a load)."""

    def share(app: web.Application) -> None:
        app[ELIGIBILITY] = Lazy[EligibilityBook].ready(book)

    return await make_console(prepare=share)


async def check(console: Console, csrf: str, facts: Any) -> Any:
    return await console.client.post(
        "/console/api/eligibility", json={"facts": facts}, headers={"X-CSRF-Token": csrf}
    )


async def test_the_form_lists_every_fact_with_labels(
    make_console: MakeConsole, rules: RuleSet
) -> None:
    console = await make_console()  # the gateway's own loader: deployment and corpus from env
    await console.signed_in()
    body = await (await console.client.get("/console/api/eligibility")).json()
    assert [fact["name"] for fact in body["facts"]] == list(rules.facts)
    in_region = next(f for f in body["facts"] if f["name"] == "in_region")
    assert [o["value"] for o in in_region["options"]] == [True, False]
    assert all(o["label"] for f in body["facts"] for o in f["options"])
    assert "枣庄" in in_region["question"]


@pytest.mark.parametrize(
    "facts",
    [
        {
            "issue_type": "infringed",
            "ip_type": "patent",
            "applicant_type": "individual",
            "in_region": True,
            "financial_hardship": True,
        },
        {"issue_type": "overseas", "ip_type": "trademark", "applicant_type": "large_enterprise"},
        {"issue_type": "consultation", "ip_type": "copyright", "in_region": False},
    ],
)
async def test_the_result_is_the_engines(
    console: Console, rules: RuleSet, facts: dict[str, Any]
) -> None:
    csrf = await console.signed_in()
    response = await check(console, csrf, facts)
    assert response.status == 200
    body = await response.json()
    engine = evaluate(rules, facts).to_dict()
    assert body["complete"] is True and body["needed"] == []
    assert body["result"] == engine
    assert body["citations"] == list(dict.fromkeys(b["citation"] for b in engine["basis"]))
    assert body["citations"] and all("枣市监中心字〔2020〕42号" in c for c in body["citations"])


async def test_missing_facts_that_matter_are_named(console: Console) -> None:
    csrf = await console.signed_in()
    body = await (await check(console, csrf, {"issue_type": "infringed", "ip_type": ""})).json()
    assert body["complete"] is False
    assert body["result"] is None
    assert "applicant_type" in body["needed"] and "issue_type" not in body["needed"]


@pytest.mark.parametrize(
    "facts",
    [
        {"issue_type": "burglary"},
        {"in_region": 1},  # JSON 1 is not true
        {"in_region": "true"},
        {"colour": "red"},
        ["issue_type"],
        None,
    ],
)
async def test_facts_outside_the_rules_are_refused(console: Console, facts: Any) -> None:
    csrf = await console.signed_in()
    response = await check(console, csrf, facts)
    assert response.status == 400
    assert await response.json() == {
        "error": "bad_facts",
        "message": "填写的情况有误，请重新选择。",
    }


async def test_the_check_needs_a_session_and_the_csrf_token(console: Console) -> None:
    assert (await check(console, "", {})).status == 401
    await console.signed_in()
    assert (await check(console, "wrong", {})).status == 403
