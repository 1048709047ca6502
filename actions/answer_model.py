"""The answer reader's learning: features, one classifier per question, thresholds, caches.

A question's classes are its values, then the three kinds of non-answer. A
message becomes one row of features:

* its e5 sentence embedding (meaning: "人家在网上卖跟我们一模一样的东西" is
  e-commerce without naming a platform);
* character 1–3-gram TF-IDF (short replies, 不/没 in front of a word, typos);
* the vocabulary's finding, one-hot (the NLU synonyms, negation-aware): the
  classifier learns how far to trust it, and when the word names the other
  party ("对方是个小作坊" does not make the applicant a small business);
* whether it reads like a question (吗, 什么, 能不能…): "小公司能申请吗" names a
  value but asks something.

The model is plain arrays (n-gram index, IDF, coefficients), so it is stored
without pickle and read with numpy alone; sklearn only fits it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from actions.answer_examples import Label, NotAnswer, SlotExamples, Value
from actions.vocabulary import FACTS as VOCABULARY_FACTS
from actions.vocabulary import FactVocabulary
from knowledge.embedding import Embedder

log = logging.getLogger(__name__)

# Chosen with `python -m actions.answer_reader tune` (cross-validated accuracy on
# the training examples): regularisation, and the weights of the blocks beside
# the unit-norm sentence embedding.
C = 10.0
NGRAM_WEIGHT = 0.8
VOCABULARY_WEIGHT = 1.0
CUE_WEIGHT = 1.0
FOLDS = 5
NGRAM_SIZES = (1, 2, 3)
# What the thresholds are calibrated to, out of fold. A wrong value silently
# changes an eligibility result or an application, so it must be rare; taking
# "要花钱吗" for an answer skips the person's question, rarer still. Asking
# back ("您是指A还是B？") costs one more click, so it may be more common.
MAX_WRONG_ANSWERS = 0.03  # of answers, read as another value
MAX_NON_ANSWERS_TAKEN = 0.02  # of non-answers, read as a value
MAX_NON_ANSWERS_ASKED_BACK = 0.10  # of non-answers, read as a value or asked back
# Bumped when the features or the fitting change: a stored model is then refitted.
MODEL_VERSION = 3

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
# Interrogatives and question particles. "哪有" (no way) and "我哪知道" are no
# questions, so 哪 counts only before what it asks about.
QUESTION_CUES = re.compile(
    r"[吗嘛][?？!！。.]*$|呢[?？]|[?？]|吧[?？]|什么|啥|怎么|怎样|如何|多少|多久|多长|几个|几天|几年"
    r"|为什么|为啥|算.{0,6}还是|哪里|哪儿|哪些|哪个|哪种|哪家|能不能|可不可以|是不是|有没有|要不要|会不会|行不行"
)


# Words that make a named party the other side: "对方是个小作坊", "被一家大公司
# 告了", "侵权的是个研究所". The vocabulary knows the applicant types, not whose
# they are; this cue lets the classifier learn the difference.
OTHER_PARTY_CUES = re.compile(
    r"对方|侵权方|被告|被(?:一|个|某|那|这)|[告抄仿偷盗卖侵冒].{0,3}的是"
    # a party, then what it does to us, in one clause: "有个合作社冒用我们的牌子"
    r"|(?:个体户|网店|店|合作社|公司|厂|作坊|企业|协会|大学|研究所|工作室|集团|国企)"
    r"[^,，。]{0,3}(?:在卖|冒用|盗用|抄|仿|侵|告)"
)


def asks_something(text: str) -> bool:
    """Whether the message reads like a question ("小公司能申请吗", "是专利吧？").

    Such a message is never taken as an answer without asking back, even when
    it names a value: the person may be asking about it, not choosing it.
    """
    return QUESTION_CUES.search(text) is not None


@dataclass(frozen=True)
class Thresholds:
    answer: float  # the top value's probability from which it is taken
    agreed: float  # the same, when the vocabulary names that very value
    attempt: float  # the values' summed probability from which a message is an attempt


def compact(text: str) -> str:
    """Letters and digits only: what the n-grams are counted on."""
    return _NOISE.sub("", text)


def _grams(text: str) -> Counter[str]:
    letters = compact(text)
    return Counter(
        letters[i : i + n] for n in NGRAM_SIZES for i in range(max(len(letters) - n + 1, 0))
    )


@dataclass(frozen=True)
class NgramSpace:
    """Character n-gram TF-IDF, fitted on one question's examples."""

    index: dict[str, int]
    idf: np.ndarray

    @classmethod
    def fit(cls, texts: Sequence[str]) -> NgramSpace:
        frequency: Counter[str] = Counter()
        for text in texts:
            frequency.update(set(_grams(text)))
        terms = sorted(frequency)
        n = len(texts)
        idf = np.array([np.log((1 + n) / (1 + frequency[t])) + 1.0 for t in terms])
        return cls({t: i for i, t in enumerate(terms)}, idf)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        rows, columns, data = [], [], []
        for row, text in enumerate(texts):
            weights = {
                self.index[g]: (1.0 + np.log(c)) * self.idf[self.index[g]]
                for g, c in _grams(text).items()
                if g in self.index
            }
            norm = float(np.sqrt(sum(w * w for w in weights.values()))) or 1.0
            for column, weight in weights.items():
                rows.append(row)
                columns.append(column)
                data.append(weight / norm)
        return sp.csr_matrix((data, (rows, columns)), shape=(len(texts), len(self.index)))


def named(
    slot: str, values: tuple[Value, ...], vocabulary: FactVocabulary, texts: Sequence[str]
) -> np.ndarray:
    """The index of the value the vocabulary finds in each text, or -1."""
    if slot not in VOCABULARY_FACTS:
        return np.full(len(texts), -1)
    found = [vocabulary.find(slot, text) for text in texts]
    return np.array([values.index(v) if v in values else -1 for v in found], dtype=int)


def features(
    slot: str,
    values: tuple[Value, ...],
    ngrams: NgramSpace,
    vocabulary: FactVocabulary,
    vectors: np.ndarray,
    texts: Sequence[str],
) -> sp.csr_matrix:
    """Rows of [embedding | n-grams | vocabulary one-hot | question and other-party cues]."""
    found = np.zeros((len(texts), len(values)))
    for row, column in enumerate(named(slot, values, vocabulary, texts)):
        if column >= 0:
            found[row, column] = 1.0
    cues = np.array(
        [[float(asks_something(t)), float(OTHER_PARTY_CUES.search(t) is not None)] for t in texts]
    ).reshape(-1, 2)
    return sp.hstack(
        [
            sp.csr_matrix(vectors),
            NGRAM_WEIGHT * ngrams.transform(texts),
            sp.csr_matrix(VOCABULARY_WEIGHT * found),
            sp.csr_matrix(CUE_WEIGHT * cues),
        ],
        format="csr",
    )


@dataclass(frozen=True)
class SlotModel:
    """One question's fitted classifier: classes are its values, then the kinds of non-answer."""

    slot: str
    values: tuple[Value, ...]
    ngrams: NgramSpace
    coef: np.ndarray
    intercept: np.ndarray
    thresholds: Thresholds

    @property
    def classes(self) -> tuple[Label, ...]:
        return (*self.values, *NotAnswer)

    def probabilities(
        self, vocabulary: FactVocabulary, vectors: np.ndarray, texts: Sequence[str]
    ) -> np.ndarray:
        x = features(self.slot, self.values, self.ngrams, vocabulary, vectors, texts)
        logits = np.asarray(x @ self.coef.T) + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))


def _classifier(c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    # Balanced: each slot has about 30 examples a value but over 100 non-answers.
    return LogisticRegression(C=c, max_iter=3000, class_weight="balanced")


def fit_slot(
    examples: SlotExamples,
    texts: Sequence[str],
    vectors: np.ndarray,
    vocabulary: FactVocabulary,
    *,
    folds: int = FOLDS,
    c: float = C,
) -> tuple[SlotModel, np.ndarray]:
    """The slot's model, and the out-of-fold probabilities its thresholds came from.

    `texts` are the examples as the reader reads them (answer_reader.clean).
    """
    from sklearn.model_selection import StratifiedKFold

    classes: tuple[Label, ...] = (*examples.values, *NotAnswer)
    y = np.array([classes.index(label) for label in examples.labels])
    scarce = [classes[i] for i in range(len(classes)) if int((y == i).sum()) < folds]
    if scarce:
        raise ValueError(f"{examples.slot}: fewer than {folds} examples of {scarce}")

    def fit(rows: np.ndarray) -> tuple[NgramSpace, Any]:
        chosen = [texts[i] for i in rows]
        ngrams = NgramSpace.fit(chosen)
        x = features(examples.slot, examples.values, ngrams, vocabulary, vectors[rows], chosen)
        return ngrams, _classifier(c).fit(x, y[rows])

    out_of_fold = np.zeros((len(texts), len(classes)))
    splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0).split(texts, y)
    for train, test in splits:
        ngrams, model = fit(train)
        held = [texts[i] for i in test]
        x = features(examples.slot, examples.values, ngrams, vocabulary, vectors[test], held)
        out_of_fold[np.ix_(test, model.classes_)] = model.predict_proba(x)
    found = named(examples.slot, examples.values, vocabulary, texts)
    asks = np.array([asks_something(t) for t in texts], dtype=bool)
    thresholds = calibrate(out_of_fold, y, len(examples.values), found, asks)
    ngrams, model = fit(np.arange(len(texts)))
    fitted = SlotModel(
        examples.slot,
        examples.values,
        ngrams,
        model.coef_,
        model.intercept_,
        thresholds,
    )
    return fitted, out_of_fold


def calibrate(
    probabilities: np.ndarray,
    y: np.ndarray,
    n_values: int,
    found: np.ndarray | None = None,
    asks: np.ndarray | None = None,
) -> Thresholds:
    """The thresholds that take the most right answers out of fold within the error targets.

    Two readers agreeing (the vocabulary names the classifier's top value) are
    trusted at a lower probability than the classifier alone: `agreed` and
    `answer` are chosen together. Ties go to the higher (safer) thresholds.
    `found` is the vocabulary's value index per row (-1: none); a row that
    `asks` something is never taken (see `asks_something`).
    """
    is_answer = y < n_values
    takeable = ~asks if asks is not None else np.ones(len(y), dtype=bool)
    top = probabilities[:, :n_values].max(axis=1)
    best_value = probabilities[:, :n_values].argmax(axis=1)
    right = best_value == y
    agrees = (found == best_value) if found is not None else np.zeros(len(y), dtype=bool)
    mass = probabilities[:, :n_values].sum(axis=1)
    answers, non_answers = max(int(is_answer.sum()), 1), max(int((~is_answer).sum()), 1)
    grid = np.round(np.arange(0.30, 0.96, 0.025), 3)
    answer = agreed = float(grid[-1])
    most = -1
    for alone in grid[::-1]:
        for together in grid[grid <= alone][::-1]:
            taken = np.where(agrees, top >= together, top >= alone) & takeable
            wrong = int((taken & is_answer & ~right).sum()) / answers
            false_taken = int((taken & ~is_answer).sum()) / non_answers
            score = int((taken & right & is_answer).sum())
            if wrong <= MAX_WRONG_ANSWERS and false_taken <= MAX_NON_ANSWERS_TAKEN and score > most:
                answer, agreed, most = float(alone), float(together), score
    taken = np.where(agrees, top >= agreed, top >= answer) & takeable
    # Above `answer` too: where the values' summed probability must be higher
    # than any one value's to keep non-answers from being asked back. At 1.0
    # nothing is asked back, and what is taken already meets the stricter target.
    attempt = 1.0
    for t in np.round(np.arange(0.10, 1.0, 0.025), 3):
        engaged = (taken | (mass >= t)) & ~is_answer
        if int(engaged.sum()) / non_answers <= MAX_NON_ANSWERS_ASKED_BACK:
            attempt = float(t)
            break
    return Thresholds(answer=answer, agreed=agreed, attempt=attempt)


# -- caches: the examples' vectors and the fitted models, across starts ---------------------


class VectorCache:
    """Embeddings of the examples on disk, so a start embeds only examples it has not seen.

    Embedding some 1,500 examples takes about 20 s on this CPU; loading them,
    milliseconds. One file per model (a vector is only valid for its model),
    stored as plain arrays (`allow_pickle=False`): loading runs no code.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def vectors(self, texts: Sequence[str], embedder: Embedder) -> np.ndarray:
        digest = hashlib.sha256(embedder.model_id.encode()).hexdigest()[:16]
        path = self.directory / f"answer-vectors-{digest}.npz"
        known: dict[str, np.ndarray] = {}
        if path.exists():
            try:
                with np.load(path, allow_pickle=False) as stored:
                    known = dict(zip(stored["texts"].tolist(), stored["vectors"], strict=True))
            except (OSError, ValueError, KeyError):
                log.warning("answer reader: vector cache %s unreadable; embedding again", path)
        missing = sorted({t for t in texts if t not in known})
        if missing:
            known.update(zip(missing, embedder.embed_queries(missing), strict=True))
            # Everything known is kept: `tune` asks one question's texts at a time.
            kept = sorted(known)
            _save(path, texts=np.array(kept), vectors=np.vstack([known[t] for t in kept]))
        return np.vstack([known[t] for t in texts]) if texts else np.zeros((0, embedder.dim))


def _save(path: Path, **arrays: np.ndarray) -> None:
    """Written aside, then moved: a crash mid-write never leaves half a file to load."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.stem + ".partial.npz")
    named: dict[str, Any] = dict(arrays)
    np.savez(partial, **named)
    partial.replace(path)


def fingerprint(
    examples: Mapping[str, SlotExamples], vocabulary: FactVocabulary, model_id: str
) -> str:
    """Everything a fitted model depends on: a change in any of them refits."""
    content = {
        "version": MODEL_VERSION,
        "model": model_id,
        "settings": [C, NGRAM_WEIGHT, VOCABULARY_WEIGHT, CUE_WEIGHT, FOLDS],
        "ngrams": NGRAM_SIZES,
        "targets": [MAX_WRONG_ANSWERS, MAX_NON_ANSWERS_TAKEN, MAX_NON_ANSWERS_ASKED_BACK],
        "cues": [QUESTION_CUES.pattern, OTHER_PARTY_CUES.pattern],
        "examples": {
            slot: [e.values, e.texts, [repr(label) for label in e.labels]]
            for slot, e in sorted(examples.items())
        },
        "vocabulary": vocabulary.forms,
    }
    encoded = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()[:16]


class ModelStore:
    """Fitted models on disk, named by their fingerprint; only the current one is kept."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        return self.directory / f"answer-models-{key}.npz"

    def load(self, key: str) -> dict[str, SlotModel] | None:
        path = self._path(key)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as stored:
                slots = json.loads(str(stored["slots"]))
                return {slot: _slot_from(stored, slot) for slot in slots}
        except (OSError, ValueError, KeyError):
            log.warning("answer reader: stored model %s unreadable; fitting again", path)
            return None

    def save(self, key: str, models: Mapping[str, SlotModel]) -> None:
        arrays: dict[str, np.ndarray] = {"slots": np.array(json.dumps(list(models)))}
        for slot, m in models.items():
            terms = sorted(m.ngrams.index, key=m.ngrams.index.__getitem__)
            arrays[f"{slot}.values"] = np.array(json.dumps(list(m.values), ensure_ascii=False))
            arrays[f"{slot}.terms"] = np.array(terms, dtype=str)
            arrays[f"{slot}.idf"] = m.ngrams.idf
            arrays[f"{slot}.coef"] = m.coef
            arrays[f"{slot}.intercept"] = m.intercept
            t = m.thresholds
            arrays[f"{slot}.thresholds"] = np.array([t.answer, t.agreed, t.attempt])
        _save(self._path(key), **arrays)
        for old in self.directory.glob("answer-models-*.npz"):
            if old != self._path(key):
                old.unlink(missing_ok=True)


def _slot_from(stored: Any, slot: str) -> SlotModel:
    terms = stored[f"{slot}.terms"].tolist()
    values = tuple(json.loads(str(stored[f"{slot}.values"])))
    answer, agreed, attempt = (float(t) for t in stored[f"{slot}.thresholds"])
    return SlotModel(
        slot,
        values,
        NgramSpace({t: i for i, t in enumerate(terms)}, stored[f"{slot}.idf"]),
        stored[f"{slot}.coef"],
        stored[f"{slot}.intercept"],
        Thresholds(answer, agreed, attempt),
    )
