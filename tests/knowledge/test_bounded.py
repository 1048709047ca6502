"""What search reads of a long message: its opening and its question, never the whole story."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from knowledge.bounded import JOINER, READ_LIMIT, bounded, kept_spans
from knowledge.devset import read_dev_set
from knowledge.index_store import load_index
from knowledge.searcher import Searcher
from knowledge.service import build, make_lexicon, make_searcher
from knowledge.settings import KnowledgeSettings
from tests.conftest import HashEmbedder

OPENING = "我是枣庄的小微企业，我们的外观设计专利在淘宝上被人仿冒了。"
MIDDLE = "那家店开在外省，老板说话很难听，我们去了三次都没见到人。"
ASIDE = "他们还卖拖拉机配件。"  # said once, halfway through
QUESTION = "请问你们能给出侵权判定意见吗？"
MAX_MESSAGE_CHARS = 2000  # the gateway's longest accepted chat message


def long_story(chars: int = MAX_MESSAGE_CHARS) -> str:
    """An opening, a long middle, and the question at the end: how long messages are written."""
    room = chars - len(OPENING) - len(ASIDE) - len(QUESTION)
    before, after = (MIDDLE * chars)[: room // 2], (MIDDLE * chars)[: room - room // 2]
    return OPENING + before + ASIDE + after + QUESTION


def test_a_message_that_fits_is_read_whole() -> None:
    for text in ("", "专利被仿冒了怎么办", "商" * READ_LIMIT):
        assert bounded(text) == text
        assert kept_spans(text) == [(0, len(text))]


def test_every_everyday_question_is_read_whole() -> None:
    questions = [q.question for q in read_dev_set(Path(KnowledgeSettings().dev_set))]
    whole = [q for q in questions if bounded(q) == q]
    # Only the longest stories of the dev set (3 of 336) are cut at all.
    assert len(whole) >= 0.99 * len(questions)


def test_a_long_story_is_read_by_its_opening_and_its_question() -> None:
    story = long_story()
    read = bounded(story)
    assert len(read) <= READ_LIMIT
    assert read.startswith("我是枣庄的小微企业，") and read.endswith(QUESTION)
    assert "拖拉机" not in read  # the middle of the story is left out
    assert JOINER in read


def test_cuts_fall_between_words() -> None:
    story = long_story()
    (head_start, head_end), (tail_start, tail_end) = kept_spans(story)
    assert head_start == 0 and tail_end == len(story)
    assert story[head_end - 1] in "，。" and story[tail_start - 1] in "，。"
    assert bounded(story) == story[:head_end] + JOINER + story[tail_start:]


def test_text_without_pauses_is_cut_at_the_limit() -> None:
    text = "专" * 300 + "利" * 300
    read = bounded(text)
    assert len(read) == READ_LIMIT
    assert read.startswith("专") and read.endswith("利")


def test_a_smaller_limit_is_honoured() -> None:
    for limit in (10, 30, 64):
        assert len(bounded(long_story(), limit)) <= limit


# -- search reads the bounded part -------------------------------------------------------


class RecordingEmbedder(HashEmbedder):
    """The test embedder, remembering every question it was asked to embed."""

    def __init__(self, model_id: str) -> None:
        super().__init__(model_id)
        self.queries: list[str] = []

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.queries.extend(texts)
        return super().embed_queries(texts)


@pytest.fixture
def searcher(hash_settings: KnowledgeSettings, hash_embedder: HashEmbedder) -> Searcher:
    build(hash_settings, embedder=hash_embedder)
    recording = RecordingEmbedder(hash_embedder.model_id)
    index = load_index(hash_settings.data_dir)
    return make_searcher(hash_settings, index, recording, make_lexicon(hash_settings))  # type: ignore[arg-type]


def test_search_reads_the_opening_and_the_question_of_a_long_message(
    searcher: Searcher,
) -> None:
    story = long_story()
    response = searcher.search(story, k=5)
    embedder = searcher.embedder
    assert isinstance(embedder, RecordingEmbedder)
    [embedded] = embedder.queries[-1:]
    assert len(embedded) <= READ_LIMIT
    assert "侵权判定" in embedded and "专利" in embedded
    assert "拖拉机" not in response.terms  # nothing of the middle is searched for
    assert response.query == story  # the person's text is answered as they sent it
    short = searcher.search(bounded(story), k=5)
    assert [h.passage.chunk_id for h in response.results] == [
        h.passage.chunk_id for h in short.results
    ]
