"""What a document says about itself: issuer, 文号, date, addressees, notes, basis.

People ask about a document as well as from it — 谁发的, 文号多少, 哪年的,
发给谁, 附件公开吗, 根据哪个文件制定的. Those facts sit in the parts of an
official document (公文) that the clause index leaves out: the header, the
主送 line, the signature and its date, the 版记 (抄送), a parenthesised
publicity note, and the opening sentence that names the document it
implements (根据《…》精神, 为贯彻落实…《…》（文号）). They are read once at build
time by the layout rules of 党政机关公文格式 (GB/T 9704), not by anything
particular to one file, and stored beside the index (index_store.py).

Curated front matter wins over the text. What the text does not say reliably
stays empty: a damaged date line (2021年69) gives no date, a run of names that
cannot be split with certainty is kept whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.basis import ReferencedDocument, merged, references_in
from knowledge.documents import Document, Level
from knowledge.headings import MarkerKind, find_marker
from knowledge.issue_date import IssueDate
from knowledge.official_names import is_org_name, split_names

# How far into a document its opening (cover letter, title, preamble) may run.
_OPENING_LIMIT = 40
# Markers that open the body's parts: the opening ends at the first of them.
_PART_KINDS = frozenset(
    {MarkerKind.CN, MarkerKind.CN_PAREN, MarkerKind.CHAPTER, MarkerKind.SECTION}
)

# A date alone on its line: the signature's (成文日期) or the 版记's (…印发).
_DATE_LINE = re.compile(r"^(.{6,16}日)(印发|发布|印)?$")

_TITLE_ISSUER = re.compile(r"^(.{2,60}?)关于")
# A 主送 line lists units; a lead-in ("现将有关事项通知如下：") does not.
_LEAD_IN = re.compile(r"如下|以下|现将|现就|特此|为了|为进一步|根据|按照|关于|具体|要求|内容|包括")
_UNIT_WORD = re.compile(
    r"各|有关|单位|部门|机关|机构|局|厅|委|办|政府|中心|党组|公司|学校|院|所|会|处|科|室|站|队|团"
)
_LABEL = re.compile(r"^(主送|抄送|附件)[：:]\s*(.*)$")
_NOTE = re.compile(r"^[（(](.{2,60})[）)]$")
_NOTE_LINE = re.compile(r"^(?:信息)?公开(?:方式|属性|选项|类型)[：:](.{2,20})$")
_NUMBERED = re.compile(r"^\d{1,2}[.．、]\s*")
# Split a list at commas and semicolons outside brackets. 、 stays: in
# "各省、自治区、直辖市知识产权局" it joins what only makes sense together.
_LIST_SEPARATORS = "，,；;"


@dataclass(frozen=True)
class DocumentFacts:
    """One document's header facts; an empty field means the document does not say."""

    doc_id: str
    title: str
    issuers: tuple[str, ...] = ()
    doc_number: str = ""
    date: IssueDate | None = None
    addressees: tuple[str, ...] = ()  # the 主送 line, in its comma-separated groups
    copied_to: tuple[str, ...] = ()  # 抄送
    publicity: str = ""  # the note as printed: 此件正文公开发布，附件不公开
    attachments: tuple[str, ...] = ()  # names listed after 附件：
    implements: tuple[ReferencedDocument, ...] = ()
    # The heading of the part that names them ("一、总体要求"), or "" when the
    # title or the opening does: a basis stated in the body is cited there.
    implements_part: str = ""
    region: str = ""
    level: Level = Level.OTHER

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "issuers": list(self.issuers),
            "doc_number": self.doc_number,
            "date": self.date.iso if self.date else "",
            "addressees": list(self.addressees),
            "copied_to": list(self.copied_to),
            "publicity": self.publicity,
            "attachments": list(self.attachments),
            "implements": [r.to_dict() for r in self.implements],
            "implements_part": self.implements_part,
            "region": self.region,
            "level": self.level.value,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> DocumentFacts:
        """The inverse of `to_dict`; ValueError (or KeyError/TypeError) on a malformed record."""
        date_text = _text(raw, "date")
        date = IssueDate.parse(date_text) if date_text else None
        if date_text and date is None:
            raise ValueError(f"unreadable date {date_text!r}")
        references = raw.get("implements", [])
        if not isinstance(references, list):
            raise ValueError("implements is not a list")
        return cls(
            doc_id=_text(raw, "doc_id"),
            title=_text(raw, "title"),
            issuers=_texts(raw, "issuers"),
            doc_number=_text(raw, "doc_number"),
            date=date,
            addressees=_texts(raw, "addressees"),
            copied_to=_texts(raw, "copied_to"),
            publicity=_text(raw, "publicity"),
            attachments=_texts(raw, "attachments"),
            implements=tuple(
                ReferencedDocument(_text(r, "title"), _text(r, "doc_number"), _text(r, "issuer"))
                for r in references
            ),
            implements_part=_text(raw, "implements_part"),
            region=_text(raw, "region"),
            level=Level(_text(raw, "level") or Level.OTHER.value),
        )


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str):
        raise ValueError(f"{key} is not a string")
    return value


def _texts(raw: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{key} is not a list of strings")
    return tuple(value)


def write_facts(facts: Iterable[DocumentFacts], path: Path) -> None:
    records = [f.to_dict() for f in sorted(facts, key=lambda f: f.doc_id)]
    path.write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def read_facts(path: Path) -> dict[str, DocumentFacts]:
    """doc_id → facts; ValueError/KeyError/TypeError/OSError when the file is unusable."""
    records = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(records, list):
        raise ValueError("document facts are not a list")
    facts = [DocumentFacts.from_dict(r) for r in records]
    return {f.doc_id: f for f in facts}


# -- reading the facts off a document ------------------------------------------


def extract_facts(document: Document) -> DocumentFacts:
    """The header facts of `document`: front matter first, then the text's layout."""
    paragraphs = list(document.paragraphs)
    opening = _opening(paragraphs)
    issuers = (
        split_names(document.issuer) if document.issuer else _issuers(paragraphs, document.title)
    )
    labelled = _labelled(paragraphs)
    implements, part = _implemented(document.title, opening, paragraphs[len(opening) :])
    return DocumentFacts(
        doc_id=document.doc_id,
        title=document.title,
        issuers=issuers,
        doc_number=document.doc_number,
        date=_date(document.date, paragraphs) if document.date else _date_from_text(paragraphs),
        addressees=_split_list(labelled.get("主送", "")) or _addressees(opening),
        copied_to=_split_list(labelled.get("抄送", "")),
        publicity=_publicity(paragraphs),
        attachments=_attachments(paragraphs),
        implements=implements,
        implements_part=part,
        region=document.region,
        level=document.level,
    )


def _opening(paragraphs: list[str]) -> list[str]:
    """Cover letter, title and preamble: everything before the first part heading.

    A regulation states its basis in 第一条, so that article belongs to it.
    """
    opening: list[str] = []
    for paragraph in paragraphs[:_OPENING_LIMIT]:
        marker = find_marker(paragraph)
        if marker is not None and marker.kind in _PART_KINDS:
            break
        opening.append(paragraph)
        if marker is not None and marker.kind is MarkerKind.ARTICLE:
            break
    return opening


def _date(value: str, paragraphs: list[str]) -> IssueDate | None:
    """The document's date; of a damaged one ("2021年69") only the year it surely says.

    Without front matter, documents.py takes the last date line, which in a
    document with a 版记 is the printing date (…印发); the signature's date
    is the one the document bears, so it is preferred when the text has both.
    """
    date = IssueDate.parse(value) or IssueDate.leading_year(value)
    lines = _date_lines(paragraphs)
    if any(printed and found == date for _, found, printed in lines):
        return _date_from_text(paragraphs)
    return date


def _date_lines(paragraphs: list[str]) -> list[tuple[int, IssueDate, bool]]:
    """(index, date, is a 印发 line) of every line that is only a date."""
    found = []
    for index, paragraph in enumerate(paragraphs):
        match = _DATE_LINE.match(paragraph)
        date = IssueDate.parse(match.group(1)) if match else None
        if match and date is not None and date.day is not None:
            found.append((index, date, bool(match.group(2))))
    return found


def _date_from_text(paragraphs: list[str]) -> IssueDate | None:
    """The signature's date (成文日期), else the 版记's 印发 date; only complete dates."""
    lines = _date_lines(paragraphs)
    signed = [date for _, date, printed in lines if not printed]
    printed = [date for _, date, is_printed in lines if is_printed]
    dates = signed or printed
    return dates[0] if dates else None


def _issuers(paragraphs: list[str], title: str) -> tuple[str, ...]:
    """Without front matter: the signature above the first date, else the header.

    The header is the "…文件" line, or the title's opening in "…关于…的通知".
    """
    for index, _, printed in _date_lines(paragraphs):
        if printed:
            continue
        names: list[str] = []
        for line in reversed(paragraphs[max(0, index - 4) : index]):
            if not is_org_name(line):
                break
            names[:0] = split_names(line)
        if names:
            return tuple(names)
        break
    for paragraph in paragraphs[:3]:
        if paragraph.endswith("文件") and is_org_name(paragraph[:-2]):
            return split_names(paragraph[:-2])
    opener = _TITLE_ISSUER.match(title)
    if opener and is_org_name(opener.group(1)):
        return split_names(opener.group(1))
    return ()


def _split_list(text: str) -> tuple[str, ...]:
    """Split at commas and semicolons that are not inside brackets; drop the final 。."""
    text = text.strip().rstrip("。：:")
    parts: list[str] = []
    depth = 0
    current = ""
    for ch in text:
        if ch in "（(《〈":
            depth += 1
        elif ch in "）)》〉":
            depth -= 1
        if ch in _LIST_SEPARATORS and depth <= 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return tuple(p.strip() for p in parts if p.strip())


def _labelled(paragraphs: list[str]) -> dict[str, str]:
    """The first 主送：/抄送：/附件： line of each label, its text after the label."""
    found: dict[str, str] = {}
    for paragraph in paragraphs:
        match = _LABEL.match(paragraph)
        if match:
            found.setdefault(match.group(1), match.group(2))
    return found


def _addressees(opening: list[str]) -> tuple[str, ...]:
    """The 主送 line: units separated by commas, ending with a colon, before the body."""
    for paragraph in opening:
        if not paragraph.endswith(("：", ":")) or len(paragraph) > 200 or _LABEL.match(paragraph):
            continue
        body = paragraph[:-1]
        if any(ch in body for ch in "。；？！：:") or _LEAD_IN.search(body):
            continue
        if _UNIT_WORD.search(body):
            return _split_list(body)
    return ()


def _publicity(paragraphs: list[str]) -> str:
    """A note such as （此件公开发布） or 公开方式：主动公开, as printed."""
    for paragraph in paragraphs:
        note = _NOTE.match(paragraph)
        if note and ("公开" in note.group(1) or "公布" in note.group(1)):
            return note.group(1)
        line = _NOTE_LINE.match(paragraph)
        if line:
            return paragraph
    return ""


def _attachments(paragraphs: list[str]) -> tuple[str, ...]:
    """Names after 附件：, one on the label's line or numbered on the lines below it."""
    for index, paragraph in enumerate(paragraphs):
        match = _LABEL.match(paragraph)
        if not match or match.group(1) != "附件":
            continue
        items = [match.group(2)] if match.group(2) else []
        for following in paragraphs[index + 1 : index + 20]:
            if not _NUMBERED.match(following) or len(following) > 80 or "。" in following[:-1]:
                break
            items.append(following)
        return tuple(_NUMBERED.sub("", item).rstrip("。；;") for item in items if item)
    return ()


# -- the documents it implements -----------------------------------------------


def _first_part(body: list[str]) -> tuple[str, list[str]]:
    """The heading and paragraphs of the body's first part (一、总体要求 …)."""
    if not body:
        return "", []
    first = find_marker(body[0])
    if first is None or first.kind not in _PART_KINDS:
        return "", []
    part: list[str] = []
    for paragraph in body[1:_OPENING_LIMIT]:
        marker = find_marker(paragraph)
        if marker is not None and marker.kind is first.kind:
            break
        part.append(paragraph)
    return body[0], part


def _implemented(
    title: str, opening: list[str], body: list[str]
) -> tuple[tuple[ReferencedDocument, ...], str]:
    """Documents named after 根据/依据/按照/贯彻/落实, and the part that names them.

    A document states its basis in its title or opening ("根据《…》精神，…制定
    本意见"). When it does not, its first part (总体要求, 指导思想) says what it
    carries out; that is taken too, with the part's heading so the answer can
    say where. Parts further down list every policy in force, which is not
    what this document was made to implement.
    """
    stated = merged(references_in([title], in_title=True) + references_in(opening), title)
    if stated:
        return stated, ""
    heading, part = _first_part(body)
    guided = merged(references_in(part), title)
    return (guided, heading) if guided else ((), "")
