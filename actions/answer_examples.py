"""Examples of free-text answers to the forms' questions, and the held-out check of the reader.

The training examples (actions/data/form_answers.yml) say, per question, how
people phrase each option and what they send instead of an answer. The
held-out file (tests/data/form_answers_heldout.yml) is written in other words
and never trained on: `python -m actions.answer_reader eval` scores the reader
against it with `evaluate`, so a number reported there is not a number the
reader was tuned to.
"""

from __future__ import annotations

import enum
import logging
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from actions.answer_reader import AnswerReader

ROOT = Path(__file__).resolve().parent.parent
FORM_ANSWERS = ROOT / "actions" / "data" / "form_answers.yml"
HELDOUT = ROOT / "tests" / "data" / "form_answers_heldout.yml"
# Questions whose only answers are yes (true) and no (false); the case form's
# two are not eligibility facts, so no rule lists their values.
YES_NO_SLOTS = ("in_region", "financial_hardship", "case_consent", "case_confirmed")

Value = str | bool


class NotAnswer(enum.Enum):
    """What a message is when it answers nothing.

    A plain Enum, not a str one: ip_type has an option named "other", and a
    label must never compare equal to a value.
    """

    QUESTION = "question"  # about the service or the process: answer it, ask again
    UNKNOWN = "unknown"  # the person does not know the answer
    OTHER = "other"  # chit-chat, a person asked for, stopping, noise


Label = Value | NotAnswer


class FormAnswersError(ValueError):
    """The examples file is unreadable or names a value no rule knows."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


@dataclass(frozen=True)
class SlotExamples:
    """One question's examples: texts with their labels, and the values it can take."""

    slot: str
    values: tuple[Value, ...]
    texts: tuple[str, ...]
    labels: tuple[Label, ...]


def _strings(raw: object, where: str, path: Path) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(t, str | int) for t in raw):
        raise FormAnswersError(f"{where} must be a list of texts", path)
    return [str(t).strip() for t in raw if str(t).strip()]


def load_examples(
    path: Path = FORM_ANSWERS,
    values: Mapping[str, Sequence[object]] | None = None,
    option_labels: Mapping[str, Mapping[Any, str]] | None = None,
) -> dict[str, SlotExamples]:
    """Every question's examples, checked against the values the rules know.

    `values` (the rules' facts) makes a value the rules do not know an error at
    start-up rather than an answer no rule can use. `option_labels` (the
    buttons' labels, knowledge.eligibility.Question.options) are added as
    examples: a person who types a button's label has answered.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise FormAnswersError(f"cannot read examples ({exc})", path) from exc
    shared = raw.get("shared") or {}
    examples: dict[str, SlotExamples] = {}
    for slot, section in (raw.get("slots") or {}).items():
        pairs: list[tuple[str, Label]] = []
        answers = section.get("answers") or {}
        known = _known_values(slot, values)
        for value, texts in answers.items():
            if known is not None and value not in known:
                raise FormAnswersError(f"{slot} has no value {value!r}", path)
            pairs += [(t, value) for t in _strings(texts, f"{slot}.{value}", path)]
        if slot in YES_NO_SLOTS:
            for value, texts in (shared.get("yes_no") or {}).items():
                pairs += [(t, bool(value)) for t in _strings(texts, f"yes_no.{value}", path)]
        for value, button in ((option_labels or {}).get(slot) or {}).items():
            pairs.append((button, value))
        for source in (shared.get("not_answers") or {}, section.get("not_answers") or {}):
            for kind, texts in source.items():
                try:
                    not_answer = NotAnswer(kind)
                except ValueError as exc:
                    raise FormAnswersError(f"unknown kind of non-answer {kind!r}", path) from exc
                pairs += [(t, not_answer) for t in _strings(texts, f"{slot}.{kind}", path)]
        examples[slot] = _deduplicated(slot, tuple(answers), pairs, path)
    return examples


def _known_values(slot: str, values: Mapping[str, Sequence[object]] | None) -> set[object] | None:
    if slot in YES_NO_SLOTS:
        return {True, False}
    if values is None:
        return None
    return set(values.get(slot, ()))


def _deduplicated(
    slot: str, values: tuple[Value, ...], pairs: list[tuple[str, Label]], path: Path
) -> SlotExamples:
    """One example per text; a text given two labels for one question is a mistake."""
    seen: dict[str, Label] = {}
    for text, label in pairs:
        if text in seen and seen[text] != label:
            raise FormAnswersError(f"{slot}: {text!r} is both {seen[text]!r} and {label!r}", path)
        seen[text] = label
    return SlotExamples(slot, values, tuple(seen), tuple(seen.values()))


# -- the held-out check ------------------------------------------------------------


@dataclass(frozen=True)
class HeldOut:
    slot: str
    text: str
    expected: Label
    volunteered: dict[str, Value] | None = None  # None: not checked


def load_heldout(path: Path = HELDOUT) -> list[HeldOut]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    cases = []
    for slot, entries in raw.items():
        for entry in entries:
            expected = entry["value"] if "value" in entry else NotAnswer(entry["outcome"])
            cases.append(HeldOut(slot, str(entry["text"]), expected, entry.get("volunteered")))
    return cases


@dataclass
class SlotScore:
    answers: int = 0
    correct: int = 0  # read as the right value
    wrong: int = 0  # read as another value
    unsure: int = 0  # asked back, the right value among the candidates
    missed: int = 0  # taken for no answer, or asked back without the right value
    non_answers: int = 0
    taken_as_answer: int = 0  # a non-answer read as a value: the harm that counts
    asked_back: int = 0  # a non-answer met with "您是指A还是B？"
    kind_right: int = 0  # question/unknown/other told apart
    mistakes: list[str] = field(default_factory=list)


@dataclass
class Report:
    slots: dict[str, SlotScore]
    volunteered_checked: int = 0
    volunteered_exact: int = 0
    volunteered_mistakes: list[str] = field(default_factory=list)

    def lines(self, show_mistakes: bool = True) -> list[str]:
        out = [
            f"{'slot':<20}{'answers':>8}{'right':>8}{'wrong':>7}{'unsure':>8}{'missed':>8}"
            f"{'non-ans':>9}{'as-ans':>8}{'asked':>7}{'kind':>6}"
        ]
        total = SlotScore()
        for slot, s in self.slots.items():
            out.append(_row(slot, s))
            for name in ("answers", "correct", "wrong", "unsure", "missed"):
                setattr(total, name, getattr(total, name) + getattr(s, name))
            for name in ("non_answers", "taken_as_answer", "asked_back", "kind_right"):
                setattr(total, name, getattr(total, name) + getattr(s, name))
        out.append(_row("all", total))
        out.append(
            f"mixed answers: {self.volunteered_exact}/{self.volunteered_checked} "
            "with exactly the expected volunteered facts"
        )
        if show_mistakes:
            for slot, s in self.slots.items():
                out += [f"  {slot}: {m}" for m in s.mistakes]
            out += [f"  volunteered: {m}" for m in self.volunteered_mistakes]
        return out


def _row(name: str, s: SlotScore) -> str:
    right = f"{s.correct / s.answers:.0%}" if s.answers else "-"
    return (
        f"{name:<20}{s.answers:>8}{right:>8}{s.wrong:>7}{s.unsure:>8}{s.missed:>8}"
        f"{s.non_answers:>9}{s.taken_as_answer:>8}{s.asked_back:>7}{s.kind_right:>6}"
    )


def evaluate(reader: AnswerReader, cases: Sequence[HeldOut]) -> Report:
    """Score every held-out case; counts per slot, and the mistakes in words."""
    from actions.answer_reader import Outcome

    report = Report({})
    for case in cases:
        score = report.slots.setdefault(case.slot, SlotScore())
        reading = reader.read(case.slot, case.text)
        seen = f"{case.text!r} → {reading.outcome.value} {reading.value!r}"
        if isinstance(case.expected, NotAnswer):
            score.non_answers += 1
            if reading.outcome is Outcome.ANSWER:
                score.taken_as_answer += 1
            elif reading.outcome is Outcome.UNSURE:
                score.asked_back += 1
            elif reading.outcome.value == case.expected.value:
                score.kind_right += 1
            if reading.outcome.value != case.expected.value:
                score.mistakes.append(f"{seen} (expected {case.expected.value})")
        else:
            score.answers += 1
            candidates = [c.value for c in reading.candidates]
            if reading.outcome is Outcome.ANSWER and reading.value == case.expected:
                score.correct += 1
            elif reading.outcome is Outcome.ANSWER:
                score.wrong += 1
            elif reading.outcome is Outcome.UNSURE and case.expected in candidates:
                score.unsure += 1
            else:
                score.missed += 1
            if not (reading.outcome is Outcome.ANSWER and reading.value == case.expected):
                score.mistakes.append(f"{seen} {candidates} (expected {case.expected!r})")
        if case.volunteered is not None:
            report.volunteered_checked += 1
            got = reader.volunteered(case.text, case.slot)
            if got == case.volunteered:
                report.volunteered_exact += 1
            else:
                report.volunteered_mistakes.append(
                    f"{case.text!r} → {got} (expected {case.volunteered})"
                )
    return report


def label_counts(examples: SlotExamples) -> Counter[str]:
    """How many examples each label has (for the eval's header)."""
    return Counter(
        label.value if isinstance(label, NotAnswer) else str(label) for label in examples.labels
    )


# -- python -m actions.answer_reader eval | tune -------------------------------------------

CACHE_DIR = ROOT / "data" / "answer_reader"


def _parts() -> tuple[Any, Any, dict[str, Any], dict[str, Any], Any]:
    """What the action server would hand the reader: embedder, vocabulary, facts,
    button labels and place reader, built from the same settings."""
    from actions.settings import ActionSettings
    from actions.vocabulary import FactVocabulary
    from knowledge.deployment import deployment_from_env
    from knowledge.documents import load_corpus
    from knowledge.eligibility import load_questions, load_rules
    from knowledge.embedding import load_embedder
    from knowledge.places import Gazetteer
    from knowledge.settings import KnowledgeSettings

    knowledge = KnowledgeSettings.from_env()
    deployment = deployment_from_env()
    rules = load_rules(deployment.eligibility_rules, load_corpus(knowledge.corpus_dir))
    questions = load_questions(deployment.eligibility_questions, rules, deployment.city)
    vocabulary = FactVocabulary.from_nlu(ActionSettings.from_env().nlu_entities, rules.facts)
    gazetteer = Gazetteer.from_file(knowledge.places)

    def places(text: str) -> bool | None:
        return deployment.in_region(text, gazetteer)

    labels = {fact: q.options for fact, q in questions.items()}
    return load_embedder(knowledge.embedding), vocabulary, dict(rules.facts), labels, places


def _eval(show_mistakes: bool, cache: bool) -> int:
    from actions.answer_reader import AnswerReader

    embedder, vocabulary, facts, labels, places = _parts()
    embedder.embed_queries(["预热"])  # the model's own load is not training time
    started = time.perf_counter()
    reader = AnswerReader.start(
        embedder,
        vocabulary,
        facts,
        option_labels=labels,
        cache_dir=CACHE_DIR if cache else None,
        places=places,
    )
    print(f"trained in {time.perf_counter() - started:.1f} s ({'with' if cache else 'no'} cache)")
    for slot in reader.slots:
        t = reader.thresholds(slot)
        print(
            f"  {slot:<20} answer ≥ {t.answer:.3f}   with the vocabulary ≥ {t.agreed:.3f}"
            f"   attempt ≥ {t.attempt:.3f}"
        )
    cases = load_heldout()
    report = evaluate(reader, cases)
    print("\n".join(report.lines(show_mistakes)))
    baseline = [c for c in cases if c.slot in facts and not isinstance(c.expected, NotAnswer)]
    by_words = [c for c in baseline if c.slot in ("issue_type", "ip_type", "applicant_type")]
    right = sum(vocabulary.find(c.slot, c.text) == c.expected for c in by_words)
    print(f"vocabulary alone (today's forms): {right}/{len(by_words)} categorical answers right")
    return 0


def _build() -> int:
    from actions.answer_reader import AnswerReader

    embedder, vocabulary, facts, labels, _ = _parts()
    started = time.perf_counter()
    AnswerReader.start(embedder, vocabulary, facts, option_labels=labels, cache_dir=CACHE_DIR)
    print(f"answer reader ready in {CACHE_DIR} ({time.perf_counter() - started:.1f} s)")
    return 0


def _tune() -> int:
    """Cross-validated accuracy of each setting (all labels, non-answers included)."""
    from threadpoolctl import threadpool_limits

    from actions import answer_model
    from actions.answer_model import VectorCache, fit_slot
    from actions.answer_reader import clean

    embedder, vocabulary, facts, labels, _ = _parts()
    examples = load_examples(FORM_ANSWERS, facts, labels)
    cache = VectorCache(CACHE_DIR)
    words = {s: [clean(t) for t in e.texts] for s, e in examples.items()}
    vectors = {s: cache.vectors(words[s], embedder) for s in examples}
    results = []
    with threadpool_limits(limits=1):
        for c in (3.0, 10.0, 30.0):
            for ngram in (0.5, 0.8, 1.2):
                for vocab in (0.5, 1.0, 2.0):
                    answer_model.NGRAM_WEIGHT, answer_model.VOCABULARY_WEIGHT = ngram, vocab
                    accuracies = []
                    for slot, e in examples.items():
                        _, oof = fit_slot(e, words[slot], vectors[slot], vocabulary, c=c)
                        classes = (*e.values, *NotAnswer)
                        y = [classes.index(label) for label in e.labels]
                        accuracies.append(float((oof.argmax(axis=1) == y).mean()))
                    results.append((sum(accuracies) / len(accuracies), c, ngram, vocab))
                    print(f"C={c:<5} ngram={ngram:<4} vocabulary={vocab:<4} {results[-1][0]:.3f}")
    best = max(results)
    print(f"best: C={best[1]} ngram={best[2]} vocabulary={best[3]} ({best[0]:.3f})")
    return 0


def cli(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m actions.answer_reader")
    parser.add_argument(
        "command",
        choices=("build", "eval", "tune"),
        help="build: fit and store the reader in data/answer_reader, so the action server's "
        "start only loads it; eval: held-out scores; tune: cross-validated settings",
    )
    parser.add_argument("--quiet", action="store_true", help="counts only, no mistakes listed")
    parser.add_argument("--no-cache", action="store_true", help="embed every example again")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.command == "tune":
        return _tune()
    if args.command == "build":
        return _build()
    return _eval(show_mistakes=not args.quiet, cache=not args.no_cache)
