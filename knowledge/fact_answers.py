"""Answers about a document itself, and which document a question names.

`answer_fact(kind, facts)` says the fact in one short sentence with its source;
when the document does not state it, the answer is None and
`missing_fact_text` says so honestly ("…的原文没有写明附件是否公开") — never a
guess. `named_document` reads which document a question points at (a title
in 《》, a 文号, a place, an issuer, a level such as 省里), or None so the
caller can use the conversation's last document.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from knowledge.doc_match import DocumentMatcher
from knowledge.document_facts import DocumentFacts, ReferencedDocument
from knowledge.documents import Level, book_title
from knowledge.fact_questions import FactKind
from knowledge.headings import find_marker
from knowledge.normalize import normalize_query

FACT_SECTION = "文件信息"  # the section label of an answer read off the header

# Kind words name no document on their own ("那个意见" fits most of a corpus).
_KIND_WORDS = re.compile(
    r"实施意见|指导意见|意见|工作要点|要点|实施办法|办法|通知|条例|规定|细则|方案|规划"
)
_BOOK = re.compile(r"《([^》]{2,80})》")
_OPEN_BRACKETS = "〔［[（(【"
_CLOSE_BRACKETS = "〕］]）)】"
_FULL_NUMBER = re.compile(r"[\u4e00-\u9fff]{2,16}〔\d{4}〕第?\d{1,4}号")
_SERIAL = re.compile(r"(?<![\d月])(\d{1,4})号文")
_LEVEL_WORDS: dict[Level, re.Pattern[str]] = {
    Level.NATIONAL: re.compile(r"国家(?:级|层面|层级|的)|中央|全国性?的"),
    Level.PROVINCIAL: re.compile(r"省里|省级|省一级|省上|省(?:政府|委)?(?:的|发的)"),
    Level.CITY: re.compile(r"市里|市级|市一级|市上"),
    Level.DISTRICT: re.compile(r"区里|区级|县里|县级|区一级|县一级"),
}


@dataclass(frozen=True)
class FactAnswer:
    """A sentence that answers a question about a document, and what it rests on."""

    kind: FactKind
    text: str
    doc_id: str
    title: str
    doc_number: str
    section: str = FACT_SECTION

    @property
    def citation(self) -> str:
        """《title》文号 文件信息 — the same shape as a clause's citation."""
        return f"{book_title(self.title)}{self.doc_number} {self.section}"

    def citation_dict(self) -> dict[str, str]:
        """The fields a channel's citation payload carries."""
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "doc_number": self.doc_number,
            "section": self.section,
            "citation": self.citation,
            "text": self.text,
        }


def _reference(reference: ReferencedDocument) -> str:
    number = f"（{reference.doc_number}）" if reference.doc_number else ""
    return f"{reference.issuer}{book_title(reference.title)}{number}"


def _date_sentence(name: str, facts: DocumentFacts) -> str | None:
    date = facts.date
    if date is None:
        return None
    number = f"（{facts.doc_number}）" if facts.doc_number else ""
    if date.day is not None:
        return f"{name}{number}于{date.chinese}发布。"
    if date.month is not None:
        return f"{name}{number}的发布日期只能确定到{date.chinese}，原文没有写明具体哪一天。"
    return f"{name}{number}是{date.chinese}的文件，原文没有写明具体的发布日期。"


def _issuer_sentence(name: str, facts: DocumentFacts) -> str | None:
    if not facts.issuers:
        return None
    text = f"{name}由{'、'.join(facts.issuers)}印发"
    if facts.doc_number:
        text += f"，文号{facts.doc_number}"
    if facts.date is not None:
        text += f"，{facts.date.chinese}发布"
    return text + "。"


def _addressee_sentence(name: str, facts: DocumentFacts) -> str | None:
    parts = []
    if facts.addressees:
        parts.append(f"{name}主送：{'，'.join(facts.addressees)}。")
    if facts.copied_to:
        parts.append(f"{'' if parts else name}抄送：{'，'.join(facts.copied_to)}。")
    return "".join(parts) or None


def _attachment_sentence(name: str, facts: DocumentFacts) -> str | None:
    if not facts.publicity and not facts.attachments:
        return None
    text = ""
    if facts.publicity:
        text = f"{name}注明：“{facts.publicity}”。"
        if "附件" not in facts.publicity and not facts.attachments:
            text += "原文没有另外说明附件。"
    if facts.attachments:
        text += f"{'' if text else name}附件：{'；'.join(facts.attachments)}。"
        if not facts.publicity:
            text += "原文没有写明附件是否公开。"
    return text


def _implements_sentence(name: str, facts: DocumentFacts) -> str | None:
    if not facts.implements:
        return None
    listed = "；".join(_reference(r) for r in facts.implements)
    if facts.implements_part:
        return f"{name}在“{facts.implements_part}”中写明贯彻落实：{listed}。"
    return f"{name}依据的文件是{listed}。"


def answer_fact(kind: FactKind, facts: DocumentFacts) -> FactAnswer | None:
    """The answer to a question of `kind` about the document, or None when it does not say."""
    name = book_title(facts.title)
    section = FACT_SECTION
    if kind is FactKind.ISSUER:
        text = _issuer_sentence(name, facts)
    elif kind is FactKind.DATE:
        text = _date_sentence(name, facts)
    elif kind is FactKind.DOC_NUMBER:
        text = f"{name}的文号是{facts.doc_number}。" if facts.doc_number else None
    elif kind is FactKind.ADDRESSEES:
        text = _addressee_sentence(name, facts)
    elif kind is FactKind.ATTACHMENT:
        text = _attachment_sentence(name, facts)
    elif kind is FactKind.IMPLEMENTS:
        text = _implements_sentence(name, facts)
        marker = find_marker(facts.implements_part) if facts.implements_part else None
        section = marker.label if marker is not None else section
    else:
        number = f"，文号{facts.doc_number}" if facts.doc_number else ""
        text = f"这份文件的标题是{name}{number}。"
    if text is None:
        return None
    return FactAnswer(kind, text, facts.doc_id, facts.title, facts.doc_number, section)


_MISSING = {
    FactKind.ISSUER: "的原文没有写明发文单位。",
    FactKind.DATE: "的原文没有写明发布日期。",
    FactKind.DOC_NUMBER: "的原文没有载明文号。",
    FactKind.ADDRESSEES: "的原文没有写明主送单位。",
    FactKind.ATTACHMENT: "的原文没有写明附件是否公开。",
    FactKind.IMPLEMENTS: "的原文没有写明它依据或贯彻的是哪份文件。",
}


def missing_fact_text(kind: FactKind, facts: DocumentFacts | None) -> str:
    """What to say when `answer_fact` gives None, or when no document is known."""
    if facts is None:
        return "您问的是哪一份文件？请告诉我文件名称、文号或发文地区，我帮您查。"
    if kind is FactKind.TITLE:  # every document has one; answer_fact never gives None for it
        return f"这份文件的标题是{book_title(facts.title)}。"
    return book_title(facts.title) + _MISSING[kind]


# -- which document -------------------------------------------------------------


def _bare(text: str) -> str:
    return re.sub(r"[《》〈〉\s]", "", text)


def _unified_brackets(text: str) -> str:
    table = str.maketrans(_OPEN_BRACKETS + _CLOSE_BRACKETS, "〔" * 6 + "〕" * 6)
    return re.sub(r"\s", "", text.translate(table))


def _only(candidates: set[str]) -> str | None:
    return next(iter(candidates)) if len(candidates) == 1 else None


def _by_title(text: str, facts: Mapping[str, DocumentFacts]) -> str | None:
    bare = _bare(text)
    whole = {d for d, f in facts.items() if len(_bare(f.title)) >= 8 and _bare(f.title) in bare}
    if whole:
        return _only(whole)
    quoted = [_bare(q) for q in _BOOK.findall(text)]
    return _only(
        {d for d, f in facts.items() for q in quoted if len(q) >= 6 and q in _bare(f.title)}
    )


def _by_number(text: str, facts: Mapping[str, DocumentFacts]) -> str | None:
    """A 文号 as typed (any brackets), or its serial "23号文" when only one has it."""
    typed = _unified_brackets(text)
    numbers = {d: _unified_brackets(f.doc_number) for d, f in facts.items() if f.doc_number}
    exact = {d for d, n in numbers.items() if n in typed}
    if exact:
        return _only(exact)
    serials = set(_SERIAL.findall(text))
    return _only({d for d, n in numbers.items() for s in serials if n.endswith(f"〕{s}号")})


def named_document(
    question: str, matcher: DocumentMatcher, facts: Mapping[str, DocumentFacts]
) -> str | None:
    """The doc_id the question points at, or None when it names none (or several equally).

    The kind of a document alone ("那个实施意见") does not choose one: it
    only breaks a tie between documents named otherwise.
    """
    text = normalize_query(question)
    found = _by_title(text, facts) or _by_number(text, facts)
    if found:
        return found
    if _FULL_NUMBER.search(_unified_brackets(text)):
        return None  # a 文号 none of the documents has: one outside the corpus
    named = matcher.scores(_KIND_WORDS.sub(" ", text))
    scores = matcher.scores(text)
    candidates = {doc_id: scores.get(doc_id, 0.0) for doc_id in named if doc_id in facts}
    levels = [level for level, words in _LEVEL_WORDS.items() if words.search(text)]
    if len(levels) == 1:
        at_level = {d: s for d, s in candidates.items() if facts[d].level is levels[0]}
        if not candidates:
            return _only({d for d, f in facts.items() if f.level is levels[0]})
        candidates = at_level or candidates
    if not candidates:
        return None
    best = max(candidates.values())
    top = {d for d, score in candidates.items() if best - score < 1e-9}
    kinds = _KIND_WORDS.findall(text)
    if len(top) > 1 and kinds:
        # 安徽那个要点: both 安徽 documents are named, the one titled 要点 is meant.
        top = {d for d in top if any(k in facts[d].title for k in kinds)} or top
    return _only(top)
