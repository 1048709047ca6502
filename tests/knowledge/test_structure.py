"""Chunks follow the documents' own structure."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from knowledge.documents import Document, build_document, load_corpus
from knowledge.structure import PREAMBLE_SECTION, Chunk, chunk_document, split_long

CORPUS = Path(__file__).resolve().parents[2] / "knowledge" / "corpus"


@pytest.fixture(scope="module")
def chunks() -> dict[str, list[Chunk]]:
    return {d.doc_id: chunk_document(d) for d in load_corpus(CORPUS)}


def _section(chunks: list[Chunk], section: str) -> Chunk:
    return next(c for c in chunks if c.section == section)


def test_items_carry_their_heading_path(chunks: dict[str, list[Chunk]]) -> None:
    item = _section(chunks["004_333525c143d2d379"], "四（二）3")
    assert item.text.startswith("受理知识产权维权援助案件")
    assert "因经济困难" in item.text
    assert [label for label, _ in item.headings] == ["四", "（二）"]
    assert item.heading_titles == ["工作措施", "建立健全知识产权维权援助制度，规范流程畅通渠道"]


def test_a_heading_with_body_paragraphs_is_one_chunk(chunks: dict[str, list[Chunk]]) -> None:
    scope = _section(chunks["004_333525c143d2d379"], "四（一）")
    assert scope.title == "明确知识产权维权援助工作范围，拓宽维权援助领域"
    assert scope.text.startswith("为自然人、法人或其他组织的专利、商标")


def test_numbering_continuing_across_parts(chunks: dict[str, list[Chunk]]) -> None:
    # 001 numbers its items 1–25 straight through parts 二 to 七
    sections = [c.section for c in chunks["001_f65785033724d62d"]]
    assert "二、1" in sections and "三、13" in sections and "七、25" in sections


def test_three_levels(chunks: dict[str, list[Chunk]]) -> None:
    item = _section(chunks["003_8789654051e4566f"], "二（四）2")
    assert item.text.startswith("推动利用金融工具加强海外维权援助")
    assert item.title == "推动利用金融工具加强海外维权援助"


def test_traditional_document_is_chunked_in_simplified(chunks: dict[str, list[Chunk]]) -> None:
    item = _section(chunks["002_ae3607f65c5551b2"], "二（二）")
    assert item.text.startswith("推进知识产权侵权纠纷行政裁决")
    assert "(" not in item.text and "xié" not in item.text


@pytest.mark.parametrize(
    "noise",
    [
        "瑶办发〔2021〕23号",
        "中共合肥市瑶海区委办公室文件",
        "现印发给你们",
        "2021年6月17日",
        "驻区有关单位",
        "此件正文公开发布",
        "各省、自治区、直辖市",
        "2021年69",
        "枣庄市市场监管综合服务中心文件",
    ],
)
def test_letterhead_addressee_signature_and_dates_stay_out(
    chunks: dict[str, list[Chunk]], noise: str
) -> None:
    assert not [c for doc in chunks.values() for c in doc if noise in c.text]


def test_preamble_is_kept_without_the_cover_letter(chunks: dict[str, list[Chunk]]) -> None:
    preamble = _section(chunks["001_f65785033724d62d"], PREAMBLE_SECTION)
    assert preamble.text.startswith(
        "根据《合肥市委、市政府印发〈关于强化知识产权保护的意见〉的通知》精神"
    )


def _document(body: str) -> Document:
    return build_document(Path("test.txt"), {"title": "测试文件"}, body)


def test_regulation_articles() -> None:
    body = "第一章 总则\n第一条 为了规范维权援助工作，制定本办法。\n第二条 本办法适用于本市。\n第二章 援助\n第三条 援助包括资金援助。"
    sections = [(c.section, c.text) for c in chunk_document(_document(body))]
    assert sections == [
        ("第一章第一条", "为了规范维权援助工作，制定本办法。"),
        ("第一章第二条", "本办法适用于本市。"),
        ("第二章第三条", "援助包括资金援助。"),
    ]


def test_long_item_split_at_sentence_ends_with_overlap() -> None:
    sentences = [f"第{i}句说明维权援助的一项具体措施并且足够长以便测试切分。" for i in range(12)]
    body = "一、措施\n1. " + "".join(sentences)
    parts = chunk_document(_document(body), max_chars=120)
    assert len(parts) > 1
    assert all(c.section == "一、1" and c.parts == len(parts) for c in parts)
    assert all(len(c.text) <= 120 + len(sentences[0]) for c in parts)
    for first, second in itertools.pairwise(parts):
        assert first.text.endswith("。") and second.text.startswith("第")
        assert first.text.split("。")[-2] + "。" == second.text.split("。")[0] + "。"  # overlap


def test_split_long_keeps_every_sentence() -> None:
    text = "甲。" * 50 + "乙。"
    joined = "".join(split_long(text, 20))
    assert "乙。" in joined and joined.count("甲") >= 50
