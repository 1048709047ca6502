"""Wiring: build the index and open a warm Searcher from settings.

This is the entry point for the CLI, the action server and the gateway:
`open_searcher()` loads the current index (building it first when it is
missing or corrupt, with a clear log line rather than a traceback), loads the
embedding model the index was built with, and warms both.
"""

from __future__ import annotations

import logging
from typing import Any

from knowledge.answerability import AnswerabilityModel, fit
from knowledge.devset import check_labels, read_dev_set
from knowledge.doc_match import DocumentMatcher
from knowledge.embedding import Embedder, load_embedder
from knowledge.errors import IndexCorruptError, IndexMissingError
from knowledge.index_store import BuildReport, LoadedIndex, build_index, load_index
from knowledge.lexicon import Lexicon
from knowledge.places import Gazetteer
from knowledge.query import QueryAnalyzer
from knowledge.searcher import Searcher
from knowledge.settings import KnowledgeSettings
from knowledge.typos import HomophoneCorrector

log = logging.getLogger(__name__)

# Share of answerable dev questions the fitted threshold may refuse; the
# target is ≤ 5 %, so calibrating to 3 % leaves room for unseen questions.
MAX_FALSE_REFUSALS = 0.03


def make_lexicon(settings: KnowledgeSettings) -> Lexicon:
    return Lexicon.from_files(settings.user_dict, settings.stopwords, settings.colloquial)


def make_searcher(
    settings: KnowledgeSettings,
    index: LoadedIndex,
    embedder: Embedder,
    lexicon: Lexicon,
    answerability: AnswerabilityModel | None = None,
) -> Searcher:
    """Assemble a Searcher over a loaded index (the answerability model from its manifest)."""
    gazetteer = Gazetteer.from_file(settings.places)
    vocabulary = index.bm25.vocabulary
    analyzer = QueryAnalyzer(
        lexicon,
        vocabulary,
        HomophoneCorrector(vocabulary, lexicon.is_common_word, lexicon.segment),
        gazetteer,
    )
    if answerability is None:
        answerability = AnswerabilityModel.from_dict(index.manifest.answerability.get("model"))
    documents = DocumentMatcher(index.passages, gazetteer)
    return Searcher(index, embedder, analyzer, documents, answerability)


def calibrate(
    settings: KnowledgeSettings, lexicon: Lexicon, embedder: Embedder, index: LoadedIndex
) -> dict[str, Any]:
    """Fit the answerability model of a fresh build on the dev set."""
    if not settings.dev_set.exists():
        log.warning(
            "answerability not calibrated: no dev set at %s; every match counts as answerable",
            settings.dev_set,
        )
        return {"model": AnswerabilityModel().to_dict()}
    questions = read_dev_set(settings.dev_set)
    check_labels(questions, index.passages)
    searcher = make_searcher(settings, index, embedder, lexicon, AnswerabilityModel())
    labelled = [(searcher.evidence(q.question), q.answerable) for q in questions]
    usable = [(e, a) for e, a in labelled if e is not None]
    model = fit([e for e, _ in usable], [a for _, a in usable], MAX_FALSE_REFUSALS)
    return {"model": model.to_dict(), "questions": len(usable)}


class _LazyEmbedder:
    """Loads the model on first use and keeps it, so build and search share one load."""

    def __init__(self, settings: KnowledgeSettings, model: Embedder | None = None) -> None:
        self._settings = settings
        self._model = model

    def __call__(self) -> Embedder:
        if self._model is None:
            self._model = load_embedder(self._settings.embedding)
        return self._model


def build(
    settings: KnowledgeSettings,
    force: bool = False,
    lexicon: Lexicon | None = None,
    embedder: Embedder | None = None,
) -> BuildReport:
    """Build the index for `settings` unless it is up to date (see index_store)."""
    lexicon = lexicon or make_lexicon(settings)
    lazy = _LazyEmbedder(settings, embedder)
    return build_index(
        settings,
        lexicon,
        lazy,
        force=force,
        calibrate=lambda index: calibrate(settings, lexicon, lazy(), index),
    )


def open_searcher(
    settings: KnowledgeSettings | None = None,
    build_if_needed: bool = True,
    warm: bool = True,
    embedder: Embedder | None = None,
) -> Searcher:
    """A ready Searcher for the configured corpus and model.

    A missing, corrupt or outdated-format index is rebuilt (with a warning that
    says why) unless `build_if_needed` is false. `embedder` replaces the
    configured model, e.g. to share one loaded model between searchers.
    """
    settings = settings or KnowledgeSettings.from_env()
    lexicon = make_lexicon(settings)
    lazy = _LazyEmbedder(settings, embedder)
    try:
        index = load_index(settings.data_dir)
        if index.manifest.model_id != settings.embedding.model_id:
            built, wanted = index.manifest.model_id, settings.embedding.model_id
            raise IndexCorruptError(f"index built with {built}, configured {wanted}")
    except (IndexMissingError, IndexCorruptError) as exc:
        if not build_if_needed:
            raise
        log.warning("%s — building the index now", exc)
        build(settings, lexicon=lexicon, embedder=lazy())
        index = load_index(settings.data_dir)
    searcher = make_searcher(settings, index, lazy(), lexicon)
    if warm:
        searcher.warm()
    return searcher
