"""Fit the learned parts — reranker, then answerability — on labelled questions.

Used twice: at build time on the whole dev set (the deployed models, stored in
the manifest), and by the evaluation on cross-validation folds (so reported
numbers come from models that never saw the questions they are scored on).
The first stage (analysis, the two rankings, fusion) is computed once per
question and reused across folds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from knowledge.answerability import FEATURES, AnswerabilityModel, Evidence, fit
from knowledge.devset import DevQuestion
from knowledge.query import AnalyzedQuery
from knowledge.rerank import RERANK_DEPTH, Candidates, Reranker, fit_reranker
from knowledge.searcher import CANDIDATES, Ranking, RetrievalMode, Searcher


@dataclass
class LabelledRun:
    """One question's first-stage result and which candidates are relevant."""

    question: DevQuestion
    query: AnalyzedQuery
    candidates: Candidates
    features: np.ndarray  # rows for candidates.order[:RERANK_DEPTH]
    relevant: np.ndarray  # bool per row


def collect(
    searcher: Searcher, questions: Sequence[DevQuestion], mode: RetrievalMode
) -> tuple[list[LabelledRun], list[DevQuestion]]:
    """First-stage runs for questions that have something to search for, and the rest."""
    runs: list[LabelledRun] = []
    empty: list[DevQuestion] = []
    for question in questions:
        query = searcher.analyzer.analyze(question.question)
        if query is None:
            empty.append(question)
            continue
        candidates = searcher.candidates(query, mode, CANDIDATES)
        head = candidates.order[:RERANK_DEPTH]
        relevant = np.array([question.is_hit(searcher.index.passages[i]) for i in head], dtype=bool)
        features = (
            searcher.features(query, candidates) if mode is RetrievalMode.HYBRID else np.zeros(0)
        )
        runs.append(LabelledRun(question, query, candidates, features, relevant))
    return runs, empty


def finish(searcher: Searcher, run: LabelledRun, reranker: Reranker) -> Ranking:
    return searcher.finish(run.query, run.candidates, reranker)


@dataclass
class FittedModels:
    reranker: Reranker
    answerability: AnswerabilityModel


def fit_models(
    searcher: Searcher,
    runs: Sequence[LabelledRun],
    max_false_refusals: float,
    features: Sequence[str] = FEATURES,
    rerank: bool = True,
) -> FittedModels:
    """Reranker from the answerable questions, then answerability on reranked evidence."""
    samples = [(r.features, r.relevant) for r in runs if r.question.answerable and len(r.features)]
    reranker = fit_reranker(samples) if rerank else Reranker()
    evidence: list[Evidence] = [finish(searcher, r, reranker).evidence for r in runs]
    labels = [r.question.answerable for r in runs]
    if len(set(labels)) < 2:
        return FittedModels(reranker, AnswerabilityModel())
    return FittedModels(reranker, fit(evidence, labels, max_false_refusals, features))
