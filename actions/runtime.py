"""What the actions share, built once at start-up and warmed before the first message."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from actions.settings import ActionSettings
from actions.vocabulary import FactVocabulary
from cases.factory import CaseServices
from cases.settings import CaseSettings
from knowledge.deployment import Deployment, deployment_from_env
from knowledge.documents import load_corpus
from knowledge.eligibility import Question, RuleSet, load_questions, load_rules
from knowledge.places import Gazetteer
from knowledge.searcher import Searcher
from knowledge.service import open_searcher
from knowledge.settings import KnowledgeSettings

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    searcher: Searcher
    rules: RuleSet
    questions: dict[str, Question]
    deployment: Deployment
    gazetteer: Gazetteer
    vocabulary: FactVocabulary
    cases: CaseServices

    @classmethod
    def start(
        cls,
        settings: ActionSettings,
        knowledge: KnowledgeSettings | None = None,
        case_settings: CaseSettings | None = None,
    ) -> Runtime:
        """Open the index (building it if needed), load the rules, warm the model,
        open the case desk (its outbox works even while the case system is down)."""
        knowledge = knowledge or KnowledgeSettings.from_env()
        cases = CaseServices.open(case_settings or CaseSettings.from_env())
        deployment = deployment_from_env()
        rules = load_rules(deployment.eligibility_rules, load_corpus(knowledge.corpus_dir))
        questions = load_questions(deployment.eligibility_questions, rules, deployment.city)
        searcher = open_searcher(knowledge, warm=True)
        log.info("knowledge index ready: %d passages", searcher.index.manifest.passages)
        return cls(
            searcher=searcher,
            rules=rules,
            questions=questions,
            deployment=deployment,
            gazetteer=Gazetteer.from_file(knowledge.places),
            vocabulary=FactVocabulary.from_nlu(settings.nlu_entities, rules.facts),
            cases=cases,
        )
