"""Every supported format reaches the engine as clean paragraphs."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.documents import load_document
from knowledge.errors import DocumentFormatError
from knowledge.loaders import html_to_text, markdown_to_text, read_document_file
from knowledge.structure import chunk_document


def test_markdown_front_matter_and_syntax(tmp_path: Path) -> None:
    path = tmp_path / "guide.md"
    path.write_text(
        "---\ntitle: 维权援助指南\nlevel: city\nregion: 山东省枣庄市\n---\n"
        "# 一、援助范围\n\n1. **专利**、商标的[维权援助](https://example.org)。\n\n- 2. 咨询服务。\n",
        encoding="utf-8",
    )
    document = load_document(path)
    assert document.title == "维权援助指南"
    assert document.paragraphs == ("一、援助范围", "1.专利、商标的维权援助。", "2.咨询服务。")


def test_markdown_to_text_drops_code_and_tables() -> None:
    text = markdown_to_text("```\ncode\n```\n| a | b |\n|---|---|\n| 专利 | 商标 |")
    assert "code" not in text and "专利" in text and "|" not in text


def test_html_visible_text_only() -> None:
    text, title = html_to_text(
        "<html><head><title>援助办法</title><style>p{}</style></head><body>"
        "<script>alert(1)</script><p>一、总则</p><div>1. 公益&nbsp;援助。</div></body></html>"
    )
    assert title == "援助办法"
    assert "alert" not in text and "p{}" not in text
    assert [line.strip() for line in text.splitlines() if line.strip()] == [
        "一、总则",
        "1. 公益\xa0援助。",
    ]


def test_docx_paragraphs_and_tables(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("一、援助范围")
    document.add_paragraph("1. 为社会弱势群体提供专利资金援助。")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "2. 咨询"
    table.rows[0].cells[1].text = "免费"
    path = tmp_path / "办法.docx"
    document.save(str(path))
    loaded = load_document(path)
    assert loaded.paragraphs == ("一、援助范围", "1.为社会弱势群体提供专利资金援助。", "2.咨询免费")


def _pdf(pages: list[str]) -> bytes:
    """A minimal PDF whose pages show `pages` in a CID font with a ToUnicode map.

    Built by hand so the test needs no PDF writer and no CJK font: text
    extraction reads the ToUnicode map, not the glyphs.
    """
    chars = sorted({ch for page in pages for ch in page})
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CMapName /Test def 1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{len(chars)} beginbfchar\n"
        + "".join(f"<{ord(c):04X}> <{ord(c):04X}>\n" for c in chars)
        + "endbfchar endcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode()
    objects: list[bytes] = []
    page_ids = [6 + 2 * i for i in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Test /Encoding /Identity-H "
        b"/DescendantFonts [4 0 R] /ToUnicode 5 0 R >>"
    )
    objects.append(
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Test "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>"
    )
    objects.append(b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream")
    for index, text in enumerate(pages):
        hexed = "".join(f"{ord(c):04X}" for c in text)
        content = f"BT /F1 12 Tf 50 700 Td <{hexed}> Tj ET".encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {page_ids[index] + 1} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def test_pdf_text_with_a_sentence_across_a_page_break(tmp_path: Path) -> None:
    path = tmp_path / "policy.pdf"
    path.write_bytes(_pdf(["一、援助范围", "1. 为自然人、法人提供专利维权", "援助。"]))
    path.with_name("policy.meta.yml").write_text("title: 援助办法\n", encoding="utf-8")
    document = load_document(path)
    assert document.paragraphs == ("一、援助范围", "1.为自然人、法人提供专利维权援助。")
    assert chunk_document(document)[0].section == "一、1"


def test_a_damaged_pdf_is_reported_not_raised_raw(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\nthis is not a pdf")
    with pytest.raises(DocumentFormatError, match=r"broken\.pdf"):
        read_document_file(path)


def test_a_damaged_docx_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DocumentFormatError, match=r"broken\.docx"):
        read_document_file(path)
