"""Normalisation, each step on real lines of the corpus."""

from __future__ import annotations

from knowledge.normalize import (
    collapse_spaces,
    fullwidth_punctuation,
    join_broken_lines,
    normalize_document,
    normalize_query,
    remove_invisible,
    strip_pinyin_residue,
    to_simplified,
)


def test_traditional_becomes_simplified() -> None:
    # 002, title line as published
    line = "國家知識產權局 司法部關于深化協同保護加強知識產權法治保障的意見"
    assert to_simplified(line) == "国家知识产权局 司法部关于深化协同保护加强知识产权法治保障的意见"


def test_query_is_simplified_too() -> None:
    assert normalize_query("商標侵權怎麼辦") == "商标侵权怎么办"


def test_pinyin_residue_removed() -> None:
    assert strip_pinyin_residue("深化協(xié)同保護") == "深化協同保護"
    assert strip_pinyin_residue("發(fā)揮知識產權管理部門") == "發揮知識產權管理部門"
    # several in one line, as in 002 二（三）
    line = "鼓勵、支持仲裁機構開展知識產權業(yè)務,推進知識產權仲裁專家"
    assert strip_pinyin_residue(line) == "鼓勵、支持仲裁機構開展知識產權業務,推進知識產權仲裁專家"


def test_genuine_parentheses_survive_pinyin_removal() -> None:
    assert strip_pinyin_residue("世界知识产权组织技术与创新支持中心(TISC)") == (
        "世界知识产权组织技术与创新支持中心(TISC)"
    )
    assert strip_pinyin_residue("司法厅(局)") == "司法厅(局)"


def test_full_pipeline_on_a_traditional_scraped_line() -> None:
    line = "(二)推進知識產權侵權糾紛行政裁決。聯合印發(fā)實施加強新時代專利侵權糾紛行政裁決工作相關政策文件。"
    assert normalize_document(line) == [
        "（二）推进知识产权侵权纠纷行政裁决。联合印发实施加强新时代专利侵权纠纷行政裁决工作相关政策文件。"
    ]


def test_sentence_broken_by_page_break_is_joined() -> None:
    # 001 item 2: "机关协\n\n同机制"
    text = (
        "2. 强化知识产权司法保护。建立公安、检察、审判机关协\n\n"
        "同机制，加强知识产权刑事案件侦查、批捕、起诉、审判等各个环节协调配合。"
    )
    assert normalize_document(text) == [
        "2.强化知识产权司法保护。建立公安、检察、审判机关协同机制，"
        "加强知识产权刑事案件侦查、批捕、起诉、审判等各个环节协调配合。"
    ]


def test_word_broken_by_page_break_is_joined() -> None:
    # 001 item 21: "增加知识\n\n产权金融产品工具供给"
    text = "依法合规推广知识产权证券化，增加知识\n\n产权金融产品工具供给。"
    assert normalize_document(text) == [
        "依法合规推广知识产权证券化，增加知识产权金融产品工具供给。"
    ]


def test_form_feed_page_break_is_joined() -> None:
    # 004 三（三）, with the page break a PDF export leaves
    text = "形成上下联动、横向协同、合作共享的运行机制，促进维权援助资源优化\f配置、高效运用。"
    assert normalize_document(text) == [
        "形成上下联动、横向协同、合作共享的运行机制，促进维权援助资源优化配置、高效运用。"
    ]


def test_headings_titles_and_signatures_stay_apart() -> None:
    text = "一、总体要求\n\n以习近平新时代中国特色社会主义思想为指引。\n\n中共合肥市瑶海区委办公室\n\n2021年6月17日"
    assert normalize_document(text) == [
        "一、总体要求",
        "以习近平新时代中国特色社会主义思想为指引。",
        "中共合肥市瑶海区委办公室",
        "2021年6月17日",
    ]


def test_addressee_line_broken_after_comma_is_joined_but_not_glued_to_title() -> None:
    paragraphs = normalize_document(
        "印发《关于强化知识产权保护的实施意见》的通知\n\n"
        "合肥东部新中心党工委，各党委（党工委）、党组，区直各单位，\n驻区有关单位："
    )
    assert paragraphs == [
        "印发《关于强化知识产权保护的实施意见》的通知",
        "合肥东部新中心党工委，各党委（党工委）、党组，区直各单位，驻区有关单位：",
    ]


def test_spaces_of_every_kind_removed_inside_chinese() -> None:
    assert (
        collapse_spaces("关于进一步加强知识产权 维权援助工作")
        == "关于进一步加强知识产权维权援助工作"
    )
    assert collapse_spaces("力争到 2025 年，我区") == "力争到2025年，我区"
    assert collapse_spaces("服\u00a0务\u2002机\u3000制\u202f建设") == "服务机制建设"
    assert collapse_spaces("World  Trade\u00a0Organization") == "World Trade Organization"


def test_control_private_use_and_zero_width_characters_removed() -> None:
    assert remove_invisible("知识\x1d产权\ue000保护\u200b中心\ufeff") == "知识产权保护中心"
    assert remove_invisible("第一行\r\n第二行") == "第一行\n第二行"


def test_half_width_punctuation_in_chinese_becomes_full_width() -> None:
    # 002 opening sentence, as scraped
    assert fullwidth_punctuation("加强知识产权法治保障,优化协作配合机制;") == (
        "加强知识产权法治保障，优化协作配合机制；"
    )
    assert fullwidth_punctuation("(一)加强知识产权法律制度建设") == "（一）加强知识产权法律制度建设"
    assert fullwidth_punctuation("《知识产权强国建设纲要(2021—2035年)》") == (
        "《知识产权强国建设纲要（2021—2035年）》"
    )


def test_half_width_punctuation_between_numbers_is_left_alone() -> None:
    assert (
        fullwidth_punctuation("资助1,000元，10:30开始，比例3.5")
        == "资助1,000元，10:30开始，比例3.5"
    )


def test_markdown_emphasis_residue_removed() -> None:
    # 004 五（一）
    assert normalize_document("**一是**要切实提高思想认识") == ["一是要切实提高思想认识"]


def test_mangled_date_and_missing_book_mark_break_nothing() -> None:
    # 003 as published: the date lost 月 and 日, the title lost its opening 《
    text = "2021年强化知识产权保护工作要点》已经省政府同意,现印发给你们。\n\n安徽省知识产权强省建设联席会议办公室\n\n2021年69"
    assert normalize_document(text) == [
        "2021年强化知识产权保护工作要点》已经省政府同意，现印发给你们。",
        "安徽省知识产权强省建设联席会议办公室",
        "2021年69",
    ]


def test_join_broken_lines_ignores_blank_lines() -> None:
    assert join_broken_lines(["", "一、总体要求", "", ""]) == ["一、总体要求"]


def test_query_normalisation_handles_hostile_input() -> None:
    assert normalize_query("") == ""
    assert normalize_query("   \t\n ") == ""
    assert normalize_query("\x00\x1b[31m专利\x07") == "[31m专利"
    assert len(normalize_query("专" * 10_000)) == 512
    assert normalize_query("😀🎉") == "😀🎉"
