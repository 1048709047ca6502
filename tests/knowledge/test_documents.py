"""Corpus loading: front matter, sidecar metadata, inference, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.documents import Level, load_corpus, load_document
from knowledge.errors import CorpusError, DocumentFormatError

CORPUS = Path(__file__).resolve().parents[2] / "knowledge" / "corpus"


def test_the_four_documents_load_with_their_metadata() -> None:
    documents = {d.doc_id: d for d in load_corpus(CORPUS)}
    assert len(documents) == 4
    zaozhuang = documents["004_333525c143d2d379"]
    assert zaozhuang.doc_number == "枣市监中心字〔2020〕42号"
    assert zaozhuang.level is Level.CITY
    assert zaozhuang.region == "山东省枣庄市"
    national = documents["002_ae3607f65c5551b2"]
    assert national.title == "国家知识产权局司法部关于深化协同保护加强知识产权法治保障的意见"
    assert national.level is Level.NATIONAL
    assert documents["003_8789654051e4566f"].doc_number == ""


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_missing_metadata_is_read_off_the_text(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "new.txt",
        "枣庄市知识产权局文件\n\n枣知发〔2023〕5号\n\n关于印发维权援助办法的通知\n\n一、总则\n\n1. 为规范维权援助，制定本办法。\n\n2023年3月8日",
    )
    document = load_document(path)
    assert document.doc_number == "枣知发〔2023〕5号"
    assert document.date == "2023-03-08"
    assert document.title == "关于印发维权援助办法的通知"
    assert any("no title" in w for w in document.warnings)


def test_sidecar_metadata_for_formats_without_front_matter(tmp_path: Path) -> None:
    _write(
        tmp_path / "policy.html", "<html><body><p>一、总则</p><p>1. 公益援助。</p></body></html>"
    )
    _write(tmp_path / "policy.meta.yml", "title: 援助办法\nregion: 山东省枣庄市\nlevel: city\n")
    documents = load_corpus(tmp_path)
    assert [d.title for d in documents] == ["援助办法"]
    assert documents[0].level is Level.CITY


def test_gb18030_text_is_read(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "gbk.txt", "---\ntitle: 测试\n---\n一、总则\n\n1. 维权援助。", "gb18030"
    )
    assert load_document(path).paragraphs[-1] == "1.维权援助。"


def test_mangled_date_in_front_matter_is_kept_as_written(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "d.txt", '---\ntitle: 要点\ndate: "2021年69"\n---\n一、总体要求\n\n正文。'
    )
    assert load_document(path).date == "2021年69"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\ntitle: [unclosed\n---\n正文", "not valid YAML"),
        ("---\n- a\n- b\n---\n正文", "key: value"),
        ("---\ntitle: x\nlevel: galaxy\n---\n正文", "level 'galaxy'"),
        ("   \n\n", "no text"),
    ],
)
def test_broken_documents_are_named_with_the_reason(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _write(tmp_path / "bad.txt", text)
    with pytest.raises(CorpusError, match=message) as caught:
        load_document(path)
    assert "bad.txt" in str(caught.value)


def test_unsupported_format_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(DocumentFormatError, match="unsupported"):
        load_document(_write(tmp_path / "x.xlsx", "a"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CorpusError, match="no documents"):
        load_corpus(empty)
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "nowhere")


def test_two_files_with_one_name_are_refused(tmp_path: Path) -> None:
    _write(tmp_path / "a.txt", "一、总则\n\n1. 援助。")
    _write(tmp_path / "a.md", "一、总则\n\n1. 援助。")
    with pytest.raises(CorpusError, match="share the name"):
        load_corpus(tmp_path)
