"""The 枣庄 rules, checked exhaustively against the rules as the issue states them."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from knowledge.documents import load_corpus
from knowledge.eligibility import EligibilityError, RuleSet, evaluate, facts_needed, load_rules

ROOT = Path(__file__).resolve().parents[3]
APPLICANTS = [
    "individual",
    "micro_small_enterprise",
    "large_enterprise",
    "organization",
    "research_institution",
]
IP_TYPES = [
    "patent",
    "trademark",
    "copyright",
    "geographical_indication",
    "trade_secret",
    "plant_variety",
    "other",
]
ISSUES = [
    "infringed",
    "accused",
    "ownership",
    "invalidation",
    "overseas",
    "ecommerce",
    "exhibition",
    "consultation",
]


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules(
        ROOT / "knowledge/eligibility/zaozhuang.yml", load_corpus(ROOT / "knowledge/corpus")
    )


def _oracle(
    applicant: str, ip: str, issue: str, in_region: bool, hardship: bool
) -> dict[str, object]:
    """枣市监中心字〔2020〕42号 as written in the product's issue, in plain Python."""
    if issue == "consultation":
        money = "not_eligible"
    elif issue == "overseas":
        money = "review"
    elif not in_region:
        money = "not_eligible"
    elif ip != "patent":
        money = "review"
    elif applicant == "individual":
        money = "eligible" if hardship else "not_eligible"
    elif applicant == "micro_small_enterprise":
        money = "eligible"
    else:
        money = "review"
    referral = (
        "overseas_center" if issue == "overseas" else None if in_region else "transfer_region"
    )
    return {
        "consultation": True,
        "infringement_opinion": issue in {"infringed", "accused", "ecommerce", "exhibition"},
        "financial_assistance": money,
        "referral": referral,
    }


def test_every_combination_matches_the_stated_rules(rules: RuleSet) -> None:
    for combo in itertools.product(APPLICANTS, IP_TYPES, ISSUES, [True, False], [True, False]):
        facts = dict(
            zip(rules.facts, (combo[2], combo[1], combo[0], combo[3], combo[4]), strict=True)
        )
        result = evaluate(rules, facts).to_dict()
        expected = _oracle(*combo)
        assert {k: result[k] for k in expected} == expected, combo


def test_only_facts_that_can_change_the_outcome_are_asked(rules: RuleSet) -> None:
    assert facts_needed(rules, {"issue_type": "overseas"}) == []
    assert facts_needed(rules, {"issue_type": "consultation"}) == ["in_region"]
    individual_patent = {
        "issue_type": "ecommerce",
        "ip_type": "patent",
        "applicant_type": "individual",
    }
    assert facts_needed(rules, individual_patent) == ["in_region", "financial_hardship"]
    assert facts_needed(rules, {**individual_patent, "in_region": False}) == []
    assert facts_needed(rules, {**individual_patent, "ip_type": "trademark"}) == ["in_region"]
    company = {
        "issue_type": "infringed",
        "ip_type": "patent",
        "applicant_type": "micro_small_enterprise",
    }
    assert facts_needed(rules, company) == ["in_region"]


def test_financial_hardship_is_asked_only_of_an_individual_with_an_in_region_patent_matter(
    rules: RuleSet,
) -> None:
    for issue, ip, applicant in itertools.product(ISSUES, IP_TYPES, APPLICANTS):
        facts = {"issue_type": issue, "ip_type": ip, "applicant_type": applicant, "in_region": True}
        asked = "financial_hardship" in facts_needed(rules, facts)
        assert asked == (
            applicant == "individual"
            and ip == "patent"
            and issue not in {"consultation", "overseas"}
        )


def test_a_decision_never_needs_a_fact_that_was_not_asked(rules: RuleSet) -> None:
    """Answering the questions in the order asked always reaches a result."""
    for combo in itertools.product(APPLICANTS, IP_TYPES, ISSUES, [True, False], [True, False]):
        truth = dict(
            zip(rules.facts, (combo[2], combo[1], combo[0], combo[3], combo[4]), strict=True)
        )
        known: dict[str, object] = {}
        while needed := facts_needed(rules, known):  # type: ignore[arg-type]
            known[needed[0]] = truth[needed[0]]
        assert evaluate(rules, known).to_dict() == evaluate(rules, truth).to_dict()  # type: ignore[arg-type]


def test_each_outcome_is_explained_with_quoted_clauses(rules: RuleSet) -> None:
    result = evaluate(
        rules,
        {
            "issue_type": "ecommerce",
            "ip_type": "patent",
            "applicant_type": "micro_small_enterprise",
            "in_region": True,
        },
    ).to_dict()
    by_outcome = {b["outcome"]: b for b in result["basis"]}
    assert set(by_outcome) == {"consultation", "infringement_opinion", "financial_assistance"}
    assert by_outcome["financial_assistance"]["section"] == "四（二）1"
    assert (
        by_outcome["financial_assistance"]["quote"]
        == "适度降低对社会弱势群体和中小微企业等资金援助门槛"
    )
    assert by_outcome["financial_assistance"]["citation"].endswith(
        "枣市监中心字〔2020〕42号 四（二）1"
    )


def test_unknown_values_are_refused(rules: RuleSet) -> None:
    with pytest.raises(EligibilityError, match="applicant_type cannot be 'alien'"):
        facts_needed(rules, {"applicant_type": "alien"})
    with pytest.raises(EligibilityError, match="still needed"):
        evaluate(rules, {"issue_type": "infringed"})
