"""Labelled questions: the dev set the engine is tuned and calibrated on.

One JSON object a line::

    {"id": "d001", "question": "…", "style": "colloquial",
     "answers": [{"doc_id": "004_…", "section": "四（二）3"}], "note": "…"}

An empty `answers` list marks a question the corpus cannot answer. Answers name
a section rather than a chunk, so re-chunking (splitting a long item in two)
does not invalidate the labels: any part of the section counts as a hit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from knowledge.errors import EvaluationError
from knowledge.headings import section_key
from knowledge.passages import Passage


@dataclass(frozen=True)
class DevQuestion:
    id: str
    question: str
    style: str
    answers: tuple[tuple[str, str], ...]  # (doc_id, section key)

    @property
    def answerable(self) -> bool:
        return bool(self.answers)

    def is_hit(self, passage: Passage) -> bool:
        return (passage.doc_id, section_key(passage.section)) in self.answers


def read_dev_set(path: Path) -> list[DevQuestion]:
    if not path.exists():
        raise EvaluationError(f"dev set not found: {path}")
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            answers = tuple((a["doc_id"], section_key(a["section"])) for a in raw["answers"])
            questions.append(DevQuestion(raw["id"], raw["question"], raw.get("style", ""), answers))
        except (ValueError, KeyError, TypeError) as exc:
            raise EvaluationError(f"{path}:{number}: not a dev-set line ({exc})") from exc
    if not questions:
        raise EvaluationError(f"dev set is empty: {path}")
    return questions


def check_labels(questions: list[DevQuestion], passages: list[Passage]) -> None:
    """Every labelled answer must name a section that exists in the index."""
    known = {(p.doc_id, section_key(p.section)) for p in passages}
    missing = sorted({a for q in questions for a in q.answers if a not in known})
    if missing:
        listed = ", ".join(f"{d} {s}" for d, s in missing[:5])
        raise EvaluationError(f"the dev set names sections the index does not have: {listed}")
