"""What the actions share, built once at start-up and warmed before the first message.

The answer reader is fitted here when data/answer_reader holds no model for
the current examples (python -m actions.answer_reader build does it ahead;
a first start without it takes a minute or two longer), else loaded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from actions.answer_examples import CACHE_DIR as ANSWER_READER_DIR
from actions.answer_reader import AnswerReader
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
    answers: AnswerReader
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
        gazetteer = Gazetteer.from_file(knowledge.places)
        vocabulary = FactVocabulary.from_nlu(settings.nlu_entities, rules.facts)

        def places(text: str) -> bool | None:
            return deployment.in_region(text, gazetteer)

        answers = AnswerReader.start(
            searcher.embedder,
            vocabulary,
            rules.facts,
            option_labels={fact: question.options for fact, question in questions.items()},
            cache_dir=ANSWER_READER_DIR,
            places=places,
        )
        return cls(
            searcher=searcher,
            rules=rules,
            questions=questions,
            deployment=deployment,
            gazetteer=gazetteer,
            vocabulary=vocabulary,
            answers=answers,
            cases=cases,
        )
