"""Header facts: read off the four corpus documents and off synthetic documents of
other shapes, kept empty when unreadable, persisted with the index, answered
and cited, and the document a question names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.basis import ReferencedDocument
from knowledge.cli import main
from knowledge.doc_match import DocumentMatcher
from knowledge.document_facts import DocumentFacts, extract_facts, read_facts, write_facts
from knowledge.documents import Level, load_corpus, load_document
from knowledge.errors import IndexCorruptError
from knowledge.fact_answers import (
    FACT_SECTION,
    answer_fact,
    missing_fact_text,
    named_document,
)
from knowledge.fact_questions import FactKind, fact_question
from knowledge.index_store import current_path, load_index, make_passages
from knowledge.issue_date import IssueDate
from knowledge.official_names import is_org_name, split_names
from knowledge.places import Gazetteer
from knowledge.service import build, open_searcher
from knowledge.settings import KnowledgeSettings
from tests.conftest import CORPUS, HashEmbedder

YAOHAI, NATIONAL, ANHUI, ZAOZHUANG = (
    "001_f65785033724d62d",
    "002_ae3607f65c5551b2",
    "003_8789654051e4566f",
    "004_333525c143d2d379",
)


@pytest.fixture(scope="module")
def corpus_facts() -> dict[str, DocumentFacts]:
    return {d.doc_id: extract_facts(d) for d in load_corpus(CORPUS)}


def _facts(tmp_path: Path, text: str, name: str = "doc.txt") -> DocumentFacts:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return extract_facts(load_document(path))


# -- the corpus -------------------------------------------------------------------


def test_yaohai_cover_letter(corpus_facts: dict[str, DocumentFacts]) -> None:
    facts = corpus_facts[YAOHAI]
    assert facts.issuers == ("中共合肥市瑶海区委办公室", "合肥市瑶海区人民政府办公室")
    assert facts.doc_number == "瑶办发〔2021〕23号"
    assert facts.date == IssueDate(2021, 6, 17)
    assert facts.addressees == (
        "合肥东部新中心党工委",
        "各党委（党工委）、党组",
        "区直各单位",
        "驻区有关单位",
    )
    assert facts.publicity == "此件正文公开发布，附件不公开"
    assert facts.implements == (
        ReferencedDocument("合肥市委、市政府印发〈关于强化知识产权保护的意见〉的通知"),
    )
    assert facts.implements_part == ""
    assert facts.level is Level.DISTRICT


def test_national_joint_document(corpus_facts: dict[str, DocumentFacts]) -> None:
    facts = corpus_facts[NATIONAL]
    assert facts.issuers == ("国家知识产权局", "司法部")
    assert facts.date == IssueDate(2024, 4, 25)
    # The 、 inside one addressee group is not a list of separate addressees.
    assert facts.addressees == ("各省、自治区、直辖市和新疆生产建设兵团知识产权局、司法厅（局）",)
    assert facts.publicity == "" and facts.attachments == ()
    # The opening names no document; the first part says what it carries out.
    assert [r.title for r in facts.implements] == [
        "关于强化知识产权保护的意见",
        "关于健全行政裁决制度加强行政裁决工作的意见",
    ]
    assert facts.implements_part == "一、总体要求"


def test_anhui_damaged_date_is_not_read_as_a_day(corpus_facts: dict[str, DocumentFacts]) -> None:
    facts = corpus_facts[ANHUI]
    assert facts.date == IssueDate(2021, 6)  # front matter: the line reads "2021年69"
    assert facts.doc_number == ""
    assert facts.addressees == ("各市人民政府", "省有关单位")
    assert facts.implements[0] == ReferencedDocument(
        "关于强化知识产权保护的意见", "", "中共中央办公厅、国务院办公厅"
    )


def test_zaozhuang_implements_with_number_and_issuer(
    corpus_facts: dict[str, DocumentFacts],
) -> None:
    facts = corpus_facts[ZAOZHUANG]
    assert facts.date == IssueDate(2020)
    assert facts.implements == (
        ReferencedDocument(
            "关于进一步加强知识产权维权援助工作的指导意见",
            "国知发保字〔2020〕22号",
            "国家知识产权局",
        ),
    )
    assert facts.addressees[-1] == "各有关单位"


def test_without_front_matter_the_text_gives_the_same_facts(tmp_path: Path) -> None:
    for source in CORPUS.iterdir():
        text = source.read_text(encoding="utf-8").split("---", 2)[2]
        (tmp_path / source.name).write_text(text, encoding="utf-8")
    facts = {d.doc_id: extract_facts(d) for d in load_corpus(tmp_path)}
    assert facts[YAOHAI].issuers == ("中共合肥市瑶海区委办公室", "合肥市瑶海区人民政府办公室")
    assert facts[YAOHAI].date == IssueDate(2021, 6, 17)
    assert facts[NATIONAL].issuers == ("国家知识产权局", "司法部")  # one glued signature line
    assert facts[ANHUI].issuers == ("安徽省知识产权强省建设联席会议办公室",)  # from the title
    assert facts[ANHUI].date is None  # "2021年69" is no date
    assert facts[ZAOZHUANG].issuers == ("枣庄市市场监管综合服务中心",)  # the "…文件" header
    assert facts[ZAOZHUANG].date is None  # no date line anywhere


# -- other shapes -------------------------------------------------------------------

REGULATION = """\
某某省知识产权局文件

某知发〔2022〕7号

某某省知识产权局关于印发《某某省专利纠纷行政调解办法》的通知

各设区市知识产权局，省直有关单位：

现将《某某省专利纠纷行政调解办法》印发给你们，请遵照执行。

附件：1.某某省专利纠纷行政调解办法

2.调解申请书（样式）

某某省知识产权局

2022年3月5日

（此件主动公开）

第一条 为了规范专利纠纷行政调解，根据《中华人民共和国专利法》《专利行政执法办法》（国家知识产权局令第71号）等规定，结合本省实际，制定本办法。

第二条 本办法适用于本省行政区域内的专利纠纷行政调解。

抄送：国家知识产权局，省人民政府办公厅。

某某省知识产权局办公室

2022年3月7日印发
"""


def test_a_regulation_with_cover_letter_and_colophon(tmp_path: Path) -> None:
    facts = _facts(tmp_path, REGULATION)
    assert facts.issuers == ("某某省知识产权局",)
    assert facts.doc_number == "某知发〔2022〕7号"
    # The signature's date, not the colophon's printing date that documents.py finds last.
    assert facts.date == IssueDate(2022, 3, 5)
    assert facts.addressees == ("各设区市知识产权局", "省直有关单位")
    assert facts.copied_to == ("国家知识产权局", "省人民政府办公厅")
    assert facts.publicity == "此件主动公开"
    assert facts.attachments == ("某某省专利纠纷行政调解办法", "调解申请书（样式）")
    assert [r.title for r in facts.implements] == ["中华人民共和国专利法", "专利行政执法办法"]
    assert facts.implements[1].doc_number == ""  # 令第71号 is no 〔year〕 文号


JOINT = """\
---
title: 关于加强展会知识产权保护的通知
region: 某某市
---
某某市市场监督管理局某某市商务局关于加强展会知识产权保护的通知

各区县市场监督管理局、商务局，
各展会主办单位：

为贯彻落实国家知识产权局、商务部《展会知识产权保护办法》（国知发保字〔2022〕1号）和《关于进一步加强展会知识产权保护的意见》精神，现就有关事项通知如下：

一、明确职责

展会主办方应当设立投诉机构。

某某市市场监督管理局某某市商务局

二〇二三年十二月三十一日

公开方式：依申请公开
"""


def test_a_joint_notice_with_glued_signature_and_chinese_date(tmp_path: Path) -> None:
    facts = _facts(tmp_path, JOINT)
    assert facts.issuers == ("某某市市场监督管理局", "某某市商务局")
    assert facts.date == IssueDate(2023, 12, 31)
    assert facts.doc_number == ""
    # The line broken after a comma is one 主送 line; 现就…如下： is a lead-in.
    assert facts.addressees == ("各区县市场监督管理局、商务局", "各展会主办单位")
    assert facts.publicity == "公开方式：依申请公开"
    assert facts.implements == (
        ReferencedDocument(
            "展会知识产权保护办法", "国知发保字〔2022〕1号", "国家知识产权局、商务部"
        ),
        ReferencedDocument("关于进一步加强展会知识产权保护的意见"),
    )
    assert facts.level is Level.CITY


def test_a_bare_body_gives_nothing_but_its_title(tmp_path: Path) -> None:
    facts = _facts(
        tmp_path,
        "---\ntitle: 维权援助工作指引\n---\n一、适用范围\n\n本指引适用于维权援助工作。各单位：按此执行。",
    )
    assert facts.title == "维权援助工作指引"
    assert (facts.issuers, facts.doc_number, facts.date, facts.addressees) == ((), "", None, ())
    assert (facts.publicity, facts.attachments, facts.implements) == ("", (), ())


@pytest.mark.parametrize(
    ("date_line", "expected"),
    [
        ("2021年2月30日", None),  # no such day
        ("2021年69", None),
        ("2021年6月", None),  # a signature date is complete or not read
        ("二〇一九年十二月三十一日", IssueDate(2019, 12, 31)),
    ],
)
def test_only_a_complete_real_date_line_is_read(
    tmp_path: Path, date_line: str, expected: IssueDate | None
) -> None:
    text = f"某某县人民政府文件\n\n关于保护商标的通知\n\n各乡镇：\n\n请执行。\n\n某某县人民政府\n\n{date_line}"
    assert _facts(tmp_path, text).date == expected


def test_front_matter_wins_and_a_damaged_one_keeps_only_its_year(tmp_path: Path) -> None:
    text = '---\ntitle: 要点\nissuer: 甲局、乙局\ndate: "2021年69"\n---\n一、总体要求\n\n正文。'
    facts = _facts(tmp_path, text)
    assert facts.issuers == ("甲局", "乙局")
    assert facts.date == IssueDate(2021)


# -- names and dates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("国家知识产权局司法部", ("国家知识产权局", "司法部")),
        ("中共中央办公厅国务院办公厅", ("中共中央办公厅", "国务院办公厅")),
        ("最高人民法院最高人民检察院", ("最高人民法院", "最高人民检察院")),
        ("中共枣庄市委枣庄市人民政府", ("中共枣庄市委", "枣庄市人民政府")),
        # Kept whole: a department of the first, a sub-unit, a name with a name word inside.
        ("中共枣庄市委宣传部", ("中共枣庄市委宣传部",)),
        ("枣庄市市场监督管理局薛城区分局", ("枣庄市市场监督管理局薛城区分局",)),
        ("安徽省知识产权强省建设联席会议办公室", ("安徽省知识产权强省建设联席会议办公室",)),
        ("合肥市瑶海区人民政府办公室", ("合肥市瑶海区人民政府办公室",)),
        ("国家知识产权局、司法部", ("国家知识产权局", "司法部")),
    ],
)
def test_signature_names_are_cut_only_where_certain(line: str, names: tuple[str, ...]) -> None:
    assert split_names(line) == names


def test_what_is_a_body_name() -> None:
    assert is_org_name("司法厅（局）") and is_org_name("中办、国办")
    assert not is_org_name("关于印发办法的通知") and not is_org_name("2021年6月17日")
    assert not is_org_name("加强组织领导，落实责任")


def test_issue_dates() -> None:
    assert IssueDate.parse("2021-06-17") == IssueDate(2021, 6, 17)
    assert IssueDate.parse("2021-06").chinese == "2021年6月"  # type: ignore[union-attr]
    assert IssueDate.parse("2020").iso == "2020"  # type: ignore[union-attr]
    assert IssueDate.parse("2021年6月17日") == IssueDate(2021, 6, 17)
    assert IssueDate.parse("2021-13") is None and IssueDate.parse("六月") is None
    assert IssueDate.leading_year("2021年69") == IssueDate(2021)


# -- persistence ----------------------------------------------------------------------


def test_facts_round_trip(tmp_path: Path, corpus_facts: dict[str, DocumentFacts]) -> None:
    write_facts(corpus_facts.values(), tmp_path / "facts.json")
    assert read_facts(tmp_path / "facts.json") == corpus_facts


@pytest.mark.parametrize(
    "broken",
    ['{"doc_id": "x"}', '[{"doc_id": 3, "title": ""}]', '[{"doc_id": "x", "date": "2021年69"}]'],
)
def test_malformed_facts_are_refused(tmp_path: Path, broken: str) -> None:
    (tmp_path / "facts.json").write_text(broken, encoding="utf-8")
    with pytest.raises(ValueError):
        read_facts(tmp_path / "facts.json")


def test_the_build_persists_facts_and_the_searcher_exposes_them(
    hash_settings: KnowledgeSettings, hash_embedder: HashEmbedder
) -> None:
    build(hash_settings, embedder=hash_embedder)
    build_dir = current_path(hash_settings.data_dir).resolve()
    stored = json.loads((build_dir / "document_facts.json").read_text(encoding="utf-8"))
    assert [r["doc_id"] for r in stored] == [YAOHAI, NATIONAL, ANHUI, ZAOZHUANG]
    searcher = open_searcher(hash_settings, embedder=hash_embedder, warm=False)
    assert searcher.document_facts[YAOHAI].doc_number == "瑶办发〔2021〕23号"
    assert searcher.document_facts == load_index(hash_settings.data_dir).document_facts


def test_a_tampered_facts_file_is_corrupt_and_an_old_build_is_rebuilt(
    hash_settings: KnowledgeSettings, hash_embedder: HashEmbedder
) -> None:
    build(hash_settings, embedder=hash_embedder)
    build_dir = current_path(hash_settings.data_dir).resolve()
    (build_dir / "document_facts.json").write_text("[]", encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="document_facts"):
        load_index(hash_settings.data_dir)
    manifest = json.loads((build_dir / "manifest.json").read_text(encoding="utf-8"))
    (build_dir / "manifest.json").write_text(
        json.dumps({**manifest, "format_version": 2}), encoding="utf-8"
    )
    report = build(hash_settings, embedder=hash_embedder)
    assert report.built and "format" in report.reason


# -- answers ----------------------------------------------------------------------


def test_answers_say_the_fact_and_cite_the_header(corpus_facts: dict[str, DocumentFacts]) -> None:
    answer = answer_fact(FactKind.ISSUER, corpus_facts[YAOHAI])
    assert answer is not None
    assert answer.text == (
        "《关于强化知识产权保护的实施意见》由中共合肥市瑶海区委办公室、合肥市瑶海区人民政府办公室"
        "印发，文号瑶办发〔2021〕23号，2021年6月17日发布。"
    )
    assert answer.section == FACT_SECTION
    assert answer.citation == "《关于强化知识产权保护的实施意见》瑶办发〔2021〕23号 文件信息"
    assert answer.citation_dict()["doc_id"] == YAOHAI
    attachment = answer_fact(FactKind.ATTACHMENT, corpus_facts[YAOHAI])
    assert attachment is not None and "附件不公开" in attachment.text


def test_partial_dates_say_how_far_they_are_known(corpus_facts: dict[str, DocumentFacts]) -> None:
    anhui = answer_fact(FactKind.DATE, corpus_facts[ANHUI])
    zaozhuang = answer_fact(FactKind.DATE, corpus_facts[ZAOZHUANG])
    assert anhui is not None and "只能确定到2021年6月" in anhui.text
    assert zaozhuang is not None and "2020年的文件" in zaozhuang.text
    assert "日" not in zaozhuang.text.split("，")[0]


def test_a_basis_from_the_body_is_cited_at_its_part(
    corpus_facts: dict[str, DocumentFacts],
) -> None:
    answer = answer_fact(FactKind.IMPLEMENTS, corpus_facts[ANHUI])
    assert answer is not None and answer.section == "一"
    assert "中共中央办公厅、国务院办公厅《关于强化知识产权保护的意见》" in answer.text
    basis = answer_fact(FactKind.IMPLEMENTS, corpus_facts[ZAOZHUANG])
    assert basis is not None and "国知发保字〔2020〕22号" in basis.text


def test_an_unstated_fact_is_none_with_an_honest_sentence(
    corpus_facts: dict[str, DocumentFacts],
) -> None:
    assert answer_fact(FactKind.DOC_NUMBER, corpus_facts[ANHUI]) is None
    assert answer_fact(FactKind.ATTACHMENT, corpus_facts[NATIONAL]) is None
    assert missing_fact_text(FactKind.ATTACHMENT, corpus_facts[NATIONAL]).endswith(
        "的原文没有写明附件是否公开。"
    )
    assert "哪一份文件" in missing_fact_text(FactKind.ISSUER, None)
    assert answer_fact(FactKind.TITLE, corpus_facts[ANHUI]) is not None  # always known


# -- which document -------------------------------------------------------------------


@pytest.fixture(scope="module")
def matcher() -> DocumentMatcher:
    settings = KnowledgeSettings()
    passages = make_passages(load_corpus(CORPUS), settings.max_chunk_chars)
    return DocumentMatcher(passages, Gazetteer.from_file(settings.places))


@pytest.mark.parametrize(
    ("question", "doc_id"),
    [
        ("瑶海区那个文件是谁发的", YAOHAI),
        ("枣庄这个实施意见的文号是多少", ZAOZHUANG),
        ("安徽那个要点是哪年的", ANHUI),  # 安徽 names two; 要点 tells them apart
        ("省里那个文件哪年发的", ANHUI),
        ("国家的那个文件是谁发的", NATIONAL),
        ("国家知识产权局和司法部那个意见发给谁", NATIONAL),
        ("瑶办发[2021]23号是谁发的", YAOHAI),
        ("23号文是哪年的", YAOHAI),
        ("《关于强化知识产权保护的实施意见》附件公开吗", YAOHAI),
        # Nothing names one: the caller uses the conversation's last document.
        ("这个文件是谁发的", None),
        ("那个实施意见是谁发的", None),
        ("那个意见是谁发的", None),
        ("国知发保字〔2020〕22号是谁发的", None),  # a 文号 outside the corpus
    ],
)
def test_the_document_a_question_names(
    question: str,
    doc_id: str | None,
    matcher: DocumentMatcher,
    corpus_facts: dict[str, DocumentFacts],
) -> None:
    assert named_document(question, matcher, corpus_facts) == doc_id


def test_from_question_to_answer(
    matcher: DocumentMatcher, corpus_facts: dict[str, DocumentFacts]
) -> None:
    question = "枣庄这个实施意见的文号是多少"
    kind = fact_question(question)
    doc_id = named_document(question, matcher, corpus_facts)
    assert kind is FactKind.DOC_NUMBER and doc_id is not None
    answer = answer_fact(kind, corpus_facts[doc_id])
    assert answer is not None and answer.text.endswith("的文号是枣市监中心字〔2020〕42号。")


def test_cli_prints_the_facts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["facts", YAOHAI]) == 0
    out = capsys.readouterr().out
    assert "发文单位：中共合肥市瑶海区委办公室、合肥市瑶海区人民政府办公室" in out
    assert main(["facts", ANHUI, "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["date"] == "2021-06" and record["doc_number"] == ""
    assert main(["facts", "no_such_document"]) == 2
