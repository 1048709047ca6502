from __future__ import annotations

import pytest

from knowledge.lexicon import Lexicon
from knowledge.service import make_lexicon
from knowledge.settings import KnowledgeSettings
from knowledge.typos import HomophoneCorrector

VOCABULARY = ["维权", "专利", "志愿者", "咨询", "地理标志", "代理师", "事后", "执法"]


@pytest.fixture(scope="module")
def corrector() -> HomophoneCorrector:
    lexicon: Lexicon = make_lexicon(KnowledgeSettings())
    return HomophoneCorrector(VOCABULARY, lexicon.is_common_word, lexicon.segment)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("个人能申请维全援助吗", ("维全", "维权")),
        ("专力无效宣告", ("专力", "专利")),
        ("有没有志原者队伍", ("志原者", "志愿者")),
        ("能找你们资询吗", ("资询", "咨询")),
        ("地理标致被乱用", ("地理标致", "地理标志")),
    ],
)
def test_sound_alike_typos_are_mended(
    corrector: HomophoneCorrector, typed: str, meant: tuple[str, str]
) -> None:
    assert meant in corrector.corrections(typed)


def test_real_words_are_never_corrected(corrector: HomophoneCorrector) -> None:
    # 时候 sounds like 事后, but it is a word in its own right
    assert corrector.corrections("什么时候能出结果") == []


def test_no_correction_across_word_boundaries(corrector: HomophoneCorrector) -> None:
    # 国知|发保字: 知发 sounds like 执法 only by coincidence
    assert corrector.corrections("国知发保字〔2024〕12号") == []
