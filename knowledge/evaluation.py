"""Retrieval quality on labelled questions, against its own baselines.

For each mode — hybrid, BM25 alone, dense alone — it reports Recall@1,
Recall@5 and MRR@10 over the answerable questions, and how well the
`answerable` flag separates questions the corpus answers from those it does
not. The flag's numbers are cross-validated (the model that flags question q
never saw q), so they estimate what unseen questions will get; the deployed
model, fitted on the whole dev set, is reported beside them. A held-out set,
never used for tuning or calibration, is scored with the deployed model.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from knowledge.answerability import FEATURES, AnswerabilityModel
from knowledge.calibration import FittedModels, LabelledRun, collect, finish, fit_models
from knowledge.devset import DevQuestion
from knowledge.rerank import Reranker
from knowledge.searcher import RetrievalMode, Searcher

MODE_FEATURES: dict[RetrievalMode, tuple[str, ...]] = {
    RetrievalMode.HYBRID: FEATURES,  # includes the reranker's top score
    RetrievalMode.BM25: ("coverage", "unknown"),
    RetrievalMode.DENSE: ("dense_top", "dense_gap"),
}
FOLDS = 5


@dataclass
class FlagStats:
    """Confusion counts of the answerable flag (positive = answerable)."""

    true_answerable: int = 0
    false_answerable: int = 0  # unanswerable, but passed as answerable
    true_refusal: int = 0
    false_refusal: int = 0  # answerable, but refused

    def add(self, answerable: bool, accepted: bool) -> None:
        if answerable and accepted:
            self.true_answerable += 1
        elif answerable:
            self.false_refusal += 1
        elif accepted:
            self.false_answerable += 1
        else:
            self.true_refusal += 1

    @staticmethod
    def _ratio(a: int, b: int) -> float:
        return a / b if b else 0.0

    def summary(self) -> dict[str, float]:
        tp, fp, tn, fn = (
            self.true_answerable,
            self.false_answerable,
            self.true_refusal,
            self.false_refusal,
        )
        return {
            "answerable_precision": self._ratio(tp, tp + fp),
            "answerable_recall": self._ratio(tp, tp + fn),
            "unanswerable_precision": self._ratio(tn, tn + fn),
            "unanswerable_recall": self._ratio(tn, tn + fp),
            "false_refusal_rate": self._ratio(fn, tp + fn),
        }


@dataclass
class ModeReport:
    mode: str
    questions: int
    answerable: int
    recall_at_1: float
    recall_at_5: float
    mrr_at_10: float
    flags_cv: dict[str, float]
    flags_deployed: dict[str, float] | None = None
    by_style: dict[str, float] = field(default_factory=dict)  # Recall@5 per style
    misses: list[dict[str, Any]] = field(default_factory=list)


def _first_hit(question: DevQuestion, searcher: Searcher, order: list[int]) -> int | None:
    for rank, idx in enumerate(order[:10], start=1):
        if question.is_hit(searcher.index.passages[idx]):
            return rank
    return None


def _judge(
    searcher: Searcher, runs: list[LabelledRun], models: FittedModels, stats: FlagStats
) -> dict[int, list[int]]:
    """Rank `runs` with fitted models, tally their answerable flags; orders by run position."""
    orders = {}
    for run in runs:
        ranking = finish(searcher, run, models.reranker)
        accepted = models.answerability.accepts(models.answerability.confidence(ranking.evidence))
        stats.add(run.question.answerable, accepted)
        orders[id(run)] = ranking.order
    return orders


def evaluate_mode(
    searcher: Searcher,
    questions: list[DevQuestion],
    mode: RetrievalMode,
    max_false_refusals: float,
    cross_validate: bool = True,
) -> ModeReport:
    """Metrics of one retrieval mode.

    With `cross_validate`, the reranker and the answerability model that judge
    a question were fitted on the other folds only; otherwise the deployed
    models (fitted at build time) judge every question.
    """
    runs, empty = collect(searcher, questions, mode)
    hybrid = mode is RetrievalMode.HYBRID
    orders: dict[int, list[int]] = {}
    cv_stats = FlagStats()
    if cross_validate:
        folds = np.arange(len(runs)) % FOLDS  # deterministic, interleaved so folds mix styles
        for fold in range(FOLDS):
            train = [r for r, f in zip(runs, folds, strict=True) if f != fold]
            test = [r for r, f in zip(runs, folds, strict=True) if f == fold]
            models = fit_models(searcher, train, max_false_refusals, MODE_FEATURES[mode], hybrid)
            orders.update(_judge(searcher, test, models, cv_stats))
    deployed_stats = FlagStats()
    if hybrid or not cross_validate:
        deployed = FittedModels(
            searcher.reranker if hybrid else Reranker(),
            searcher.answerability if hybrid else AnswerabilityModel(),
        )
        deployed_orders = _judge(searcher, runs, deployed, deployed_stats)
        if not cross_validate:
            orders = deployed_orders
    for question in empty:  # nothing to search for: always refused
        cv_stats.add(question.answerable, False)
        deployed_stats.add(question.answerable, False)

    hits_at_1 = hits_at_5 = 0
    reciprocal = 0.0
    style_hits: dict[str, list[int]] = defaultdict(list)
    misses: list[dict[str, Any]] = []
    answerable = [r for r in runs if r.question.answerable]
    for run in answerable:
        order = orders.get(id(run), [])
        rank = _first_hit(run.question, searcher, order)
        hits_at_1 += rank == 1
        hits_at_5 += rank is not None and rank <= 5
        reciprocal += 1.0 / rank if rank else 0.0
        style_hits[run.question.style].append(int(rank is not None and rank <= 5))
        if rank is None or rank > 5:
            top = searcher.index.passages[order[0]] if order else None
            misses.append(
                {
                    "id": run.question.id,
                    "question": run.question.question,
                    "rank": rank,
                    "top": f"{top.doc_id} {top.section}" if top else None,
                }
            )
    total = max(len(answerable) + sum(q.answerable for q in empty), 1)
    return ModeReport(
        mode=mode.value,
        questions=len(questions),
        answerable=sum(q.answerable for q in questions),
        recall_at_1=hits_at_1 / total,
        recall_at_5=hits_at_5 / total,
        mrr_at_10=reciprocal / total,
        flags_cv=cv_stats.summary() if cross_validate else {},
        # Baselines have no deployed answerability model: their flags only exist
        # cross-validated.
        flags_deployed=deployed_stats.summary() if hybrid else None,
        by_style={style: sum(v) / len(v) for style, v in sorted(style_hits.items())},
        misses=misses,
    )


def evaluate(
    searcher: Searcher,
    questions: list[DevQuestion],
    max_false_refusals: float,
    modes: tuple[RetrievalMode, ...] = tuple(RetrievalMode),
    cross_validate: bool = True,
) -> list[ModeReport]:
    return [
        evaluate_mode(searcher, questions, mode, max_false_refusals, cross_validate)
        for mode in modes
    ]


def report_to_dict(reports: list[ModeReport]) -> list[dict[str, Any]]:
    return [asdict(r) for r in reports]


def format_table(reports: list[ModeReport], title: str) -> str:
    """Plain-text table; flag columns show cross-validated numbers, or the deployed model's."""
    lines = [
        title,
        f"{'mode':<8}{'R@1':>7}{'R@5':>7}{'MRR@10':>8}{'unans.recall':>14}"
        f"{'false refusal':>15}{'ans.precision':>15}{'unans.precision':>17}",
    ]
    for r in reports:
        flags = r.flags_cv or r.flags_deployed or {}
        cells = "".join(
            f"{flags.get(key, float('nan')):>{width}.3f}"
            for key, width in (
                ("unanswerable_recall", 14),
                ("false_refusal_rate", 15),
                ("answerable_precision", 15),
                ("unanswerable_precision", 17),
            )
        )
        lines.append(
            f"{r.mode:<8}{r.recall_at_1:>7.3f}{r.recall_at_5:>7.3f}{r.mrr_at_10:>8.3f}{cells}"
        )
    return "\n".join(lines)
