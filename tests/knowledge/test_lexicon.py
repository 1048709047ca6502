from __future__ import annotations

import pytest

from knowledge.lexicon import Lexicon
from knowledge.service import make_lexicon
from knowledge.settings import KnowledgeSettings


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return make_lexicon(KnowledgeSettings())


@pytest.mark.parametrize(
    "term", ["维权援助", "地理标志", "商业秘密", "惩罚性赔偿", "行政裁决", "植物新品种"]
)
def test_domain_terms_stay_whole(lexicon: Lexicon, term: str) -> None:
    assert term in lexicon.tokenize(f"关于{term}的规定")


def test_long_compounds_also_yield_their_parts(lexicon: Lexicon) -> None:
    tokens = lexicon.tokenize("中国（枣庄）知识产权维权援助中心")
    assert {"知识产权维权援助中心", "维权援助中心", "维权援助", "知识产权"} <= set(tokens)


def test_stopwords_and_punctuation_dropped(lexicon: Lexicon) -> None:
    assert lexicon.tokenize("请问我的专利怎么办呢？") == ["专利"]


def test_colloquial_words_expand_to_formal_ones(lexicon: Lexicon) -> None:
    terms = {t for e in lexicon.expand("有人在淘宝上卖盗版，我想打官司") for t in e.terms}
    assert {"侵权", "诉讼", "电子商务"} <= terms


def test_longest_phrase_wins(lexicon: Lexicon) -> None:
    phrases = [e.phrase for e in lexicon.expand("我请不起律师")]
    assert phrases == ["请不起律师"]


def test_specificity_ranks_rare_words_higher(lexicon: Lexicon) -> None:
    assert lexicon.specificity("续展") > lexicon.specificity("公司")
