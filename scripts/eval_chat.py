"""Score a labelled question set through the running assistant's chat API.

    .venv/bin/python scripts/eval_chat.py [--url http://127.0.0.1:8080] [FILE ...]

`make eval` measures the knowledge engine alone; this measures what a person
gets: each question is sent to POST /api/v1/chat in a conversation of its
own, as the first message, and the reply is scored. An answerable question
is answered when a citation of the reply names one of its labelled sections;
an unanswerable one is refused when the reply carries the `no_answer`
payload or cites nothing. Only totals are printed, never the questions:
the blind set (tests/data/knowledge_blind.jsonl) stays blind.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.devset import DevQuestion, read_dev_set  # noqa: E402
from knowledge.headings import section_key  # noqa: E402

DEFAULT_SETS = (ROOT / "tests/data/knowledge_blind.jsonl", ROOT / "tests/data/knowledge_dev.jsonl")


def cited(messages: Iterable[dict[str, Any]]) -> set[tuple[str, str]]:
    """(doc_id, section key) of every citation in a reply."""
    return {
        (str(c.get("doc_id")), section_key(str(c.get("section") or "")))
        for m in messages
        for c in m.get("citations") or []
        if isinstance(c, dict)
    }


def refused(messages: Iterable[dict[str, Any]]) -> bool:
    messages = list(messages)
    no_answer = any((m.get("custom") or {}).get("type") == "no_answer" for m in messages)
    return no_answer or not cited(messages)


@dataclass
class Score:
    answerable: int = 0
    answered: int = 0
    unanswerable: int = 0
    refused: int = 0
    wrongly_refused: int = 0

    def add(self, question: DevQuestion, messages: list[dict[str, Any]]) -> None:
        if question.answerable:
            self.answerable += 1
            self.answered += bool(cited(messages) & set(question.answers))
            self.wrongly_refused += refused(messages)
        else:
            self.unanswerable += 1
            self.refused += refused(messages)

    def lines(self, name: str) -> list[str]:
        def share(part: int, whole: int) -> str:
            return f"{part}/{whole} ({part / whole:.3f})" if whole else "—"

        return [
            f"{name}: {self.answerable + self.unanswerable} questions through POST /api/v1/chat",
            f"  answer cites the answering section: {share(self.answered, self.answerable)}",
            f"  unanswerable refused: {share(self.refused, self.unanswerable)}",
            f"  answerable wrongly refused: {share(self.wrongly_refused, self.answerable)}",
        ]


def ask(url: str, text: str) -> list[dict[str, Any]]:
    body = json.dumps({"text": text}).encode()
    request = urllib.request.Request(  # noqa: S310 - our own gateway
        f"{url.rstrip('/')}/api/v1/chat", data=body, headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
        return list(json.load(response)["messages"])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/eval_chat.py")
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("files", nargs="*", type=Path, default=list(DEFAULT_SETS))
    args = parser.parse_args(argv)
    for path in args.files:
        score = Score()
        for question in read_dev_set(path):
            score.add(question, ask(args.url, question.question))
        print("\n".join(score.lines(path.name)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
