"""Score whole conversations through the running assistant's chat API.

    .venv/bin/python scripts/eval_conversations.py [--url URL | --start] [FILE ...]

`--start` builds what is stale (index, Rasa model) and starts the real
processes on free ports for the run, as the end-to-end tests do (`make eval`);
`--url` talks to an assistant already running.

Each item of a set (format: tests/data/conversations_format.md) is one new
conversation through POST /api/v1/chat, played the way a person would: the
eligibility check is answered in the person's own words, slot by slot, as
the bot asks; questions are asked after the turns they follow. Only totals
are printed, never an item: the blind set stays blind. `--failures` lists
the ids of failed items, for the dev set only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import unicodedata
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from eval_chat import cited, refused  # noqa: E402

from knowledge.documents import load_corpus  # noqa: E402
from knowledge.eligibility import RuleSet, evaluate, load_rules  # noqa: E402
from knowledge.headings import section_key  # noqa: E402
from knowledge.settings import KnowledgeSettings  # noqa: E402

DATA = ROOT / "tests/data"
DEFAULT_SETS = (DATA / "conversations_blind.jsonl", DATA / "conversations_dev.jsonl")
RULES = ROOT / "knowledge/eligibility/zaozhuang.yml"
OUTCOME_FIELDS = ("infringement_opinion", "financial_assistance", "referral")
MAX_TURNS = 12
CHECK_START = "我想测一下能不能申请援助"
FORM_OPENING = {"eligibility": "我想测一下能不能申请援助", "application": "我想申请援助"}

# The table's rows, in the order: kind → what is counted.
ROWS = (
    ("eligibility", "eligibility checks reaching the right outcome"),
    ("policy", "policy questions whose answer holds the answering passage"),
    ("unanswerable", "unanswerable questions refused"),
    ("followup", "follow-ups answered in context"),
    ("document_facts", "questions about a document itself answered"),
    ("place", "questions naming the asker's place, answered from that place's document"),
    ("in_form", "questions inside a form answered, the form going on"),
)

Messages = list[dict[str, Any]]
Send = Callable[[str], Messages]


def chat_session(url: str) -> Send:
    """A function sending one message of a new conversation and returning the reply."""
    session: dict[str, str] = {}

    def send(text: str) -> Messages:
        body = json.dumps({"text": text, **session}, ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 - our own gateway
            f"{url.rstrip('/')}/api/v1/chat",
            data=body,
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            reply = json.load(response)
        session["session_id"] = reply["session_id"]
        return list(reply["messages"])

    return send


def _custom(messages: Iterable[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [
        m["custom"]
        for m in messages
        if isinstance(m.get("custom"), dict) and m["custom"].get("type") == kind
    ]


def asked_slot(messages: Messages) -> str | None:
    """The slot of the last form question in a reply, if it asks one."""
    asked = _custom(messages, "form_question")
    return str(asked[-1].get("slot")) if asked else None


_BRACKETS = str.maketrans({"〔": "[", "〕": "]", "（": "[", "）": "]", "(": "[", ")": "]"})
_BRACKETS.update(str.maketrans({"［": "[", "］": "]", "【": "[", "】": "]"}))


def comparable(text: str) -> str:
    """Text with width, spaces and bracket shapes ignored."""
    text = unicodedata.normalize("NFKC", text).translate(_BRACKETS)
    return re.sub(r"\s+", "", text)


def passes(expect: dict[str, Any], messages: Messages) -> bool:
    """Whether a reply meets an item's `expect`."""
    if expect.get("refuse"):
        return refused(messages)
    if "text_any" in expect:
        said = comparable("".join(str(m.get("text") or "") for m in messages))
        return any(comparable(str(s)) in said for s in expect["text_any"])
    wanted = {(str(s["doc_id"]), section_key(str(s["section"]))) for s in expect["sections"]}
    return bool(cited(messages) & wanted)


def expected_outcome(rules: RuleSet, facts: dict[str, Any]) -> dict[str, Any]:
    result = evaluate(rules, facts).to_dict()
    return {name: result[name] for name in OUTCOME_FIELDS}


def asked_back(messages: Messages) -> bool:
    """Whether the reply asks the same question back with the likeliest options."""
    asked = _custom(messages, "form_question")
    return bool(asked) and bool(asked[-1].get("ask_back"))


def chosen_button(messages: Messages, slot: str, value: Any) -> str | None:
    """The payload of the button meaning `value` for `slot`, as the person would tap it."""
    wanted = "/affirm" if value is True else "/deny" if value is False else None
    for message in messages:
        for button in message.get("buttons") or []:
            payload = str(button.get("payload", ""))
            if payload == wanted or (
                wanted is None
                and payload.startswith("/inform")
                and f'"{slot}": "{value}"' in payload
            ):
                return payload
    return None


def reply_to(item: dict[str, Any], reply: Messages, answers: dict[str, list[str]]) -> str | None:
    """What the person says next to the form's question: asked back with options,
    they tap the one that is theirs (when the item says what is theirs); else
    their next phrasing of that answer."""
    slot = asked_slot(reply)
    if slot is None:
        return None
    if asked_back(reply) and slot in item.get("facts", {}):
        tapped = chosen_button(reply, slot, item["facts"][slot])
        if tapped is not None:
            return tapped
    return answers[slot].pop(0) if answers.get(slot) else None


def play_eligibility(item: dict[str, Any], send: Send, rules: RuleSet) -> bool:
    """Answer the check slot by slot in the person's words; compare the outcome."""
    answers = {slot: list(texts) for slot, texts in item["answers"].items()}
    reply = send(item["opening"])
    if asked_slot(reply) is None and not _custom(reply, "eligibility_result"):
        reply = send(item.get("check_start") or CHECK_START)
    for _ in range(MAX_TURNS):
        results = _custom(reply, "eligibility_result")
        if results:
            got = {name: results[-1]["result"].get(name) for name in OUTCOME_FIELDS}
            return got == expected_outcome(rules, item["facts"])
        answer = reply_to(item, reply, answers)
        if answer is None:
            return False
        reply = send(answer)
    return False


def form_questions(item: dict[str, Any], new_session: Callable[[], Send]) -> int:
    """How many of the person's answers the form takes before it ends (or stalls)."""
    send = new_session()
    answers = {slot: list(texts) for slot, texts in item.get("answers", {}).items()}
    reply = send(item.get("opening") or FORM_OPENING[item["form"]])
    taken = 0
    for _ in range(MAX_TURNS):
        answer = reply_to(item, reply, answers)
        if answer is None:
            break
        reply = send(answer)
        taken += 1
    return taken


def play_in_form(item: dict[str, Any], new_session: Callable[[], Send]) -> bool:
    """Fill `after` form questions, ask the question, expect an answer and the form going on.

    A form that needs fewer questions than the writer guessed (the opening
    already told some) gets the question at its last question instead.
    """
    after = int(item.get("after", 0))
    if after:
        after = min(after, max(form_questions(item, new_session) - 1, 0))
    send = new_session()
    answers = {slot: list(texts) for slot, texts in item.get("answers", {}).items()}
    reply = send(item.get("opening") or FORM_OPENING[item["form"]])
    for _ in range(after):
        answer = reply_to(item, reply, answers)
        if answer is None:
            return False
        reply = send(answer)
    if asked_slot(reply) is None:
        return False  # the form never reached the point of the question
    reply = send(item["question"])
    if not passes(item["expect"], reply):
        return False
    return asked_slot(reply) is not None


def play_turns(item: dict[str, Any], send: Send) -> Messages:
    reply: Messages = []
    for text in item["turns"]:
        reply = send(text)
    return reply


@dataclass
class Tally:
    """Passes and totals per kind, and the false refusals of answerable questions."""

    passed: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    answerable: int = 0
    wrongly_refused: int = 0
    failures: list[str] = field(default_factory=list)

    def add(self, item: dict[str, Any], ok: bool, reply: Messages | None = None) -> None:
        kind = item["kind"]
        self.total[kind] += 1
        self.passed[kind] += ok
        if not ok:
            self.failures.append(str(item["id"]))
        answerable = "sections" in item.get("expect", {}) or "text_any" in item.get("expect", {})
        if reply is not None and answerable:
            self.answerable += 1
            self.wrongly_refused += refused(reply)

    def lines(self, name: str) -> list[str]:
        out = [f"{name}: {sum(self.total.values())} conversations through POST /api/v1/chat"]
        for kind, label in ROWS:
            whole = self.total[kind]
            part = self.passed[kind]
            share = f"{part}/{whole} ({part / whole:.3f})" if whole else "—"
            out.append(f"  {label}: {share}")
        if self.answerable:
            rate = self.wrongly_refused / self.answerable
            out.append(
                f"  answerable questions wrongly refused: "
                f"{self.wrongly_refused}/{self.answerable} ({rate:.3f})"
            )
        return out


def score(
    items: Iterable[dict[str, Any]], new_session: Callable[[], Send], rules: RuleSet
) -> Tally:
    tally = Tally()
    for item in items:
        if item["kind"] == "eligibility":
            tally.add(item, play_eligibility(item, new_session(), rules))
        elif item["kind"] == "in_form":
            tally.add(item, play_in_form(item, new_session))
        else:
            reply = play_turns(item, new_session())
            tally.add(item, passes(item["expect"], reply), reply)
    return tally


def read_items(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def load_rule_set() -> RuleSet:
    return load_rules(RULES, load_corpus(KnowledgeSettings.from_env().corpus_dir))


@contextmanager
def running_stack() -> Iterator[str]:
    """The assistant's real processes on free ports; yields the gateway's URL."""
    from rasa_model import ensure_model

    from knowledge.service import build
    from tests.e2e.processes import Stack

    settings = KnowledgeSettings.from_env()
    build(settings)
    with tempfile.TemporaryDirectory(prefix="eval-") as workdir:
        stack = Stack(Path(workdir), ensure_model(), settings.data_dir)
        # One client asking hundreds of questions is not an abuser.
        stack.env |= {"RATE_LIMIT_IP_PER_MINUTE": "0", "RATE_LIMIT_SESSION_PER_MINUTE": "0"}
        try:
            stack.start()
            yield stack.gateway
        finally:
            stack.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/eval_conversations.py")
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--start", action="store_true", help="start the real processes for the run")
    parser.add_argument(
        "--failures", action="store_true", help="list failed ids (never for a blind set)"
    )
    parser.add_argument("files", nargs="*", type=Path, default=list(DEFAULT_SETS))
    args = parser.parse_args(argv)
    rules = load_rule_set()
    with running_stack() if args.start else nullcontext(args.url) as url:
        for path in args.files:
            if not path.exists():
                print(f"{path.name}: missing")
                continue
            tally = score(read_items(path), lambda: chat_session(url), rules)
            print("\n".join(tally.lines(path.name)), flush=True)
            if args.failures and "blind" not in path.name:
                print("  failed: " + " ".join(tally.failures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
