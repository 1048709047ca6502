"""Wiring: build the index and open a warm Searcher from settings.

This is the entry point for the CLI, the action server and the gateway:
`open_searcher()` loads the current index (building it first when it is
missing or corrupt, with a clear log line rather than a traceback), loads the
embedding model the index was built with, and warms both.
"""

from __future__ import annotations

import logging
from typing import Any

from knowledge.answerability import AnswerabilityModel
from knowledge.calibration import collect, fit_models
from knowledge.devset import check_labels, read_dev_set
from knowledge.doc_match import DocumentMatcher
from knowledge.embedding import Embedder, load_embedder
from knowledge.errors import IndexCorruptError, IndexMissingError
from knowledge.index_store import BuildReport, LoadedIndex, build_index, load_index
from knowledge.lexicon import Lexicon
from knowledge.places import Gazetteer
from knowledge.query import QueryAnalyzer
from knowledge.rerank import Reranker
from knowledge.searcher import RetrievalMode, Searcher
from knowledge.settings import KnowledgeSettings
from knowledge.typos import HomophoneCorrector

log = logging.getLogger(__name__)

# Share of answerable dev questions the fitted threshold may refuse (set on
# out-of-fold scores). The target is ≤ 5 %; on questions never seen the
# refusals came out lower than on the dev set, the catches of unanswerable
# questions lower too, so the budget is spent close to the limit.
MAX_FALSE_REFUSALS = 0.04


def make_lexicon(settings: KnowledgeSettings) -> Lexicon:
    return Lexicon.from_files(settings.user_dict, settings.stopwords, settings.colloquial)


def make_searcher(
    settings: KnowledgeSettings,
    index: LoadedIndex,
    embedder: Embedder,
    lexicon: Lexicon,
    calibrated: bool = True,
) -> Searcher:
    """Assemble a Searcher over a loaded index.

    With `calibrated`, the reranker and answerability model fitted at build
    time come from the manifest; without, the searcher uses neither (the
    state in which they are fitted).
    """
    gazetteer = Gazetteer.from_file(settings.places)
    vocabulary = index.bm25.vocabulary
    analyzer = QueryAnalyzer(
        lexicon,
        index.bm25,
        HomophoneCorrector(vocabulary, lexicon.is_common_word, lexicon.segment),
        gazetteer,
    )
    stored = index.manifest.answerability if calibrated else {}
    return Searcher(
        index,
        embedder,
        analyzer,
        DocumentMatcher(index.passages, gazetteer),
        AnswerabilityModel.from_dict(stored.get("model")),
        Reranker.from_dict(stored.get("reranker")),
    )


def calibrate(
    settings: KnowledgeSettings, lexicon: Lexicon, embedder: Embedder, index: LoadedIndex
) -> dict[str, Any]:
    """Fit the reranker and the answerability model of a fresh build on the dev set."""
    if not settings.dev_set.exists():
        log.warning(
            "not calibrated: no dev set at %s; fused ranking is not reranked and every match"
            " counts as answerable",
            settings.dev_set,
        )
        return {"model": AnswerabilityModel().to_dict(), "reranker": {}}
    questions = read_dev_set(settings.dev_set)
    check_labels(questions, index.passages)
    searcher = make_searcher(settings, index, embedder, lexicon, calibrated=False)
    runs, _ = collect(searcher, questions, RetrievalMode.HYBRID)
    fitted = fit_models(searcher, runs, MAX_FALSE_REFUSALS)
    return {
        "model": fitted.answerability.to_dict(),
        "reranker": fitted.reranker.to_dict(),
        "questions": len(runs),
    }


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
