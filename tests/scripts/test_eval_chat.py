"""Scoring a chat reply against a labelled question (scripts/eval_chat.py)."""

from __future__ import annotations

import sys

from knowledge.devset import DevQuestion
from tests.e2e.processes import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import eval_chat

CITED = [{"text": "…", "citations": [{"doc_id": "004_x", "section": "四（二）3"}]}]
NO_BASIS = [{"text": "没有依据", "custom": {"type": "no_answer"}}]


def question(*answers: tuple[str, str]) -> DevQuestion:
    return DevQuestion("q1", "问题", "colloquial", answers)


def test_an_answer_counts_only_when_it_cites_a_labelled_section() -> None:
    score = eval_chat.Score()
    score.add(question(("004_x", "四（二）3")), CITED)
    score.add(question(("004_x", "四（一）")), CITED)
    score.add(question(("004_x", "四（二）3")), NO_BASIS)
    assert (score.answerable, score.answered, score.wrongly_refused) == (3, 1, 1)


def test_an_unanswerable_question_counts_as_refused_without_citations() -> None:
    score = eval_chat.Score()
    score.add(question(), NO_BASIS)
    score.add(question(), [{"text": "您好"}])
    score.add(question(), CITED)
    assert (score.unanswerable, score.refused) == (3, 2)
