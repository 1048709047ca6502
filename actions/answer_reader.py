"""Read a typed answer to one of the forms' questions: which option it means, or that it is none.

The forms ask with buttons, but people type: "别人侵犯了我们的权利", "我们就是个
小作坊", "家里还过得去", "不是商标，是专利", or a question of their own ("要花
钱吗"). Two readers are combined, each covering the other's blind spot:

* the NLU's own synonyms (actions.vocabulary.FactVocabulary): precise on the
  words it lists, negation included, blind to everything else;
* one linear classifier per question over the e5 sentence embedding (meaning,
  paraphrase) and character n-grams (short replies, 不/没 before a word,
  typos), trained on actions/data/form_answers.yml, which also teaches what a
  non-answer looks like. The vocabulary's finding is one more feature, so the
  classifier learns when to trust it (and when the word names the other party).

How sure a reading must be is not set by hand: the thresholds are chosen at
training from out-of-fold probabilities (cross-validation on the examples) to
keep wrong answers and non-answers taken for answers under the targets in
actions/answer_model.py; a value the vocabulary also names may be taken at a
lower probability when the examples show that is safe. A message that reads
like a question is at most asked back, never taken silently.

The learning (features, fitting, calibration, the caches that keep a start
fast) is in actions/answer_model.py; the examples and the held-out check in
actions/answer_examples.py. Reading embeds the message (about 25 ms on a CPU
core): call it from an executor, not the event loop.
`python -m actions.answer_reader eval` scores it on the held-out answers.

Use (the lead engineer wires it in actions/runtime.py):

    reader = AnswerReader.start(searcher.embedder, vocabulary, rules.facts,
                                option_labels={f: q.options for f, q in questions.items()},
                                cache_dir=ROOT / "data" / "answer_reader",
                                places=lambda text: deployment.in_region(text, gazetteer))
    reading = reader.read("ip_type", "不是商标，是专利")    # ANSWER, "patent"
    reader.volunteered("是商标，在展会上被人仿的", "ip_type")  # {"issue_type": "exhibition"}
"""

from __future__ import annotations

import enum
import logging
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from actions.answer_examples import FORM_ANSWERS, NotAnswer, SlotExamples, Value, load_examples
from actions.answer_model import (
    FOLDS,
    ModelStore,
    SlotModel,
    Thresholds,
    VectorCache,
    asks_something,
    compact,
    fingerprint,
    fit_slot,
    named,
)
from actions.vocabulary import FACTS as VOCABULARY_FACTS
from actions.vocabulary import FactVocabulary
from knowledge.bounded import bounded
from knowledge.embedding import Embedder

log = logging.getLogger(__name__)

MAX_CANDIDATES = 3
MIN_CANDIDATE = 0.05
MEMO_SIZE = 64
# How sure a reading of another question must be to count as its answer.
ANSWERED_INSTEAD = 0.6


class Outcome(enum.StrEnum):
    ANSWER = "answer"  # `value` is the answer
    UNSURE = "unsure"  # an attempt to answer, not clear enough: ask back with `candidates`
    UNKNOWN = "unknown"  # the person says they do not know
    QUESTION = "question"  # a question of their own: answer it, then ask again
    OTHER = "other"  # chit-chat, a request for a person, stopping, noise


_NOT_ANSWER_OUTCOME = {
    NotAnswer.QUESTION: Outcome.QUESTION,
    NotAnswer.UNKNOWN: Outcome.UNKNOWN,
    NotAnswer.OTHER: Outcome.OTHER,
}


@dataclass(frozen=True)
class Candidate:
    value: Value
    probability: float


@dataclass(frozen=True)
class Reading:
    """What a message says in answer to `slot`."""

    slot: str
    outcome: Outcome
    value: Value | None = None  # set only when outcome is ANSWER
    candidates: tuple[Candidate, ...] = ()  # likeliest values first


def clean(text: str) -> str:
    """The words the classifier reads: NFKC, lower case, the part a long message is read by."""
    return bounded(unicodedata.normalize("NFKC", text).strip().lower())


def decide(
    model: SlotModel, probabilities: np.ndarray, named: int = -1, *, asks: bool = False
) -> Reading:
    """A reading from a question's probabilities and its calibrated thresholds.

    `named`: the index of the value the vocabulary found in the words, or -1;
    `asks`: the message reads like a question, so it is at most asked back.
    """
    n = len(model.values)
    order = np.argsort(-probabilities[:n])
    candidates = tuple(
        Candidate(model.values[i], round(float(probabilities[i]), 3))
        for i in order[:MAX_CANDIDATES]
        if probabilities[i] >= MIN_CANDIDATE
    )
    needed = model.thresholds.agreed if named == order[0] else model.thresholds.answer
    if float(probabilities[order[0]]) >= needed and not asks:
        return Reading(model.slot, Outcome.ANSWER, model.values[order[0]], candidates)
    if float(probabilities[:n].sum()) >= model.thresholds.attempt:
        return Reading(model.slot, Outcome.UNSURE, None, candidates)
    kind = list(NotAnswer)[int(np.argmax(probabilities[n:]))]  # the classes after the values
    return Reading(model.slot, _NOT_ANSWER_OUTCOME[kind], None, candidates)


def _embed(texts: Sequence[str], embedder: Embedder, cache: VectorCache | None) -> np.ndarray:
    if cache is not None:
        return cache.vectors(texts, embedder)
    return embedder.embed_queries(list(texts)) if texts else np.zeros((0, embedder.dim))


PlaceReader = Callable[[str], bool | None]


class AnswerReader:
    """Reads free-text answers to the forms' questions. Thread-safe; call it in an executor."""

    def __init__(
        self,
        models: Mapping[str, SlotModel],
        embedder: Embedder,
        vocabulary: FactVocabulary,
        places: PlaceReader | None = None,
    ) -> None:
        self._models = dict(models)
        self._embedder = embedder
        self._vocabulary = vocabulary
        self._places = places
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def train(
        cls,
        examples: Mapping[str, SlotExamples],
        embedder: Embedder,
        vocabulary: FactVocabulary,
        *,
        cache_dir: Path | None = None,
        places: PlaceReader | None = None,
        folds: int = FOLDS,
    ) -> AnswerReader:
        """Fit a classifier per question, or load the fitted ones from `cache_dir`.

        With a cache, a start embeds only examples it has not embedded before
        and refits only when the examples, the vocabulary, the model or the
        settings changed (see answer_model.fingerprint); without one (tests),
        everything is done afresh.
        """
        from threadpoolctl import threadpool_limits

        started = time.perf_counter()
        key = fingerprint(examples, vocabulary, embedder.model_id)
        store = ModelStore(cache_dir) if cache_dir is not None else None
        models = store.load(key) if store is not None else None
        fitted = models is None
        if models is None:
            cache = VectorCache(cache_dir) if cache_dir is not None else None
            texts = sorted({clean(t) for e in examples.values() for t in e.texts})
            vectors = dict(zip(texts, _embed(texts, embedder, cache), strict=True))
            models = {}
            # One BLAS thread: on two shared cores, more threads only fight
            # each other (a fit took 30 times longer with the default).
            with threadpool_limits(limits=1):
                for slot, e in examples.items():
                    words = [clean(t) for t in e.texts]
                    rows = np.vstack([vectors[w] for w in words])
                    models[slot], _ = fit_slot(e, words, rows, vocabulary, folds=folds)
            if store is not None:
                store.save(key, models)
        log.info(
            "answer reader: %d questions ready in %.1f s (%s)",
            len(models),
            time.perf_counter() - started,
            "fitted" if fitted else "stored model",
        )
        return cls(models, embedder, vocabulary, places)

    @classmethod
    def start(
        cls,
        embedder: Embedder,
        vocabulary: FactVocabulary,
        values: Mapping[str, Sequence[object]],
        *,
        option_labels: Mapping[str, Mapping[Any, str]] | None = None,
        cache_dir: Path | None = None,
        places: PlaceReader | None = None,
        path: Path = FORM_ANSWERS,
    ) -> AnswerReader:
        """The reader the action server uses, trained from the examples file.

        `values` are the rules' facts (RuleSet.facts), `option_labels` the
        buttons' labels ({fact: Question.options}), `places` reads a place
        (lambda text: deployment.in_region(text, gazetteer)), `cache_dir`
        keeps vectors and fitted models across starts (data/answer_reader).
        """
        examples = load_examples(path, values, option_labels)
        return cls.train(examples, embedder, vocabulary, cache_dir=cache_dir, places=places)

    @property
    def slots(self) -> tuple[str, ...]:
        return tuple(self._models)

    def thresholds(self, slot: str) -> Thresholds:
        return self._model(slot).thresholds

    def _model(self, slot: str) -> SlotModel:
        model = self._models.get(slot)
        if model is None:
            raise ValueError(f"the answer reader has no examples for {slot!r}")
        return model

    def _vector(self, text: str) -> np.ndarray:
        """The message's embedding; `read` and `volunteered` on one message embed it once."""
        with self._lock:
            vector = self._memo.get(text)
            if vector is not None:
                self._memo.move_to_end(text)
                return vector
        vector = self._embedder.embed_queries([text])[0]
        with self._lock:
            self._memo[text] = vector
            while len(self._memo) > MEMO_SIZE:
                self._memo.popitem(last=False)
        return vector

    def read(self, slot: str, text: str) -> Reading:
        """`text` as the answer to the question that asked `slot`."""
        model = self._model(slot)
        words = clean(text)
        if not compact(words):
            return Reading(slot, Outcome.OTHER)
        vector = self._vector(words)[None, :]
        probabilities = model.probabilities(self._vocabulary, vector, [words])[0]
        found = int(named(slot, model.values, self._vocabulary, [words])[0])
        reading = decide(model, probabilities, found, asks=asks_something(words))
        if slot == "in_region" and self._places is not None and reading.outcome != Outcome.QUESTION:
            # A named place settles it (临沂 is not 枣庄, 薛城 is), whatever the
            # words around it; only a question about a place ("外地的能办吗") is no answer.
            place = self._places(text)
            if place is not None:
                return Reading(slot, Outcome.ANSWER, place, (Candidate(place, 1.0),))
        return reading

    def answered_instead(self, text: str, asked: str) -> dict[str, Value]:
        """The facts a message that does not answer `asked` clearly answers instead.

        Asked which right, "我们厂二十多个人" tells who applies: a person
        answering another question of the form than the one on screen. Only a
        confident reading counts, and never for a yes/no fact (a bare 是
        answers only what was asked).
        """
        found: dict[str, Value] = {}
        for slot in VOCABULARY_FACTS:
            if slot == asked or slot not in self._models:
                continue
            reading = self.read(slot, text)
            if (
                reading.outcome == Outcome.ANSWER
                and reading.value is not None
                and reading.candidates
                and reading.candidates[0].probability >= ANSWERED_INSTEAD
            ):
                found[slot] = reading.value
        return found

    def volunteered(self, text: str, asked: str | None) -> dict[str, Value]:
        """Other eligibility facts the message states while answering `asked`.

        "是商标，在展会上被人仿的" asked ip_type also says issue_type=exhibition.
        A fact counts only when both readers agree: the vocabulary names it in
        the words (not negated), and its own question's classifier, reading the
        whole message as an answer to that question, takes the same value — so
        the 大企业 in "专利被一家大企业侵权了" (the other party) is not the applicant.
        Yes/no facts are never volunteered: a bare 是 answers only what was asked.
        """
        found: dict[str, Value] = {}
        for slot in VOCABULARY_FACTS:
            if slot == asked or slot not in self._models:
                continue
            named = self._vocabulary.find(slot, text)
            if named is None:
                continue
            reading = self.read(slot, text)
            if reading.outcome == Outcome.ANSWER and reading.value == named:
                found[slot] = named
        return found


def main(argv: Sequence[str] | None = None) -> int:
    from actions.answer_examples import cli

    return cli(argv)


if __name__ == "__main__":
    raise SystemExit(main())
