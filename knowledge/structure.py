"""Chunk a document along its own structure.

A chunk is one numbered item (四、(二) 3.) with the headings above it, so a
citation can name the item exactly. The hierarchy is read from the order in
which the document uses its marker styles: whatever style comes first is the
top level, a style not yet on the stack opens a deeper level, and a style
already on the stack closes everything below it. Letterheads, 文号 lines,
addressee lines, cover notes, signatures and dates are left out of the index.
Items longer than the limit are cut at sentence ends with one sentence of
overlap, so no passage is split mid-sentence and no context is lost at a cut.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from knowledge.documents import Document
from knowledge.headings import (
    TERMINAL_PUNCT,
    MarkerKind,
    find_marker,
    format_section,
    is_title_line,
)
from knowledge.normalize import DOC_NUMBER

CHUNKER_VERSION = "4"
PREAMBLE_SECTION = "引言"

_SENTENCE = re.compile(r"[^。！？；]*[。！？；]+[”’」』）]*|[^。！？；]+$")
_ORG_SUFFIX = re.compile(r"(办公室|局|部|厅|委员会|委|中心|政府|院|会|室|处|所|司|署|办|组)$")
_DATE_ONLY = re.compile(r"^\d{4}年[\d月日]{0,6}(印发|发布|印|制发)?$")
_COVER_NOTE = re.compile(
    r"(现(将[^，。]{0,40})?印发给你们|印发给你们|请认真(组织)?(贯彻|实施|执行)|请结合实际)"
)
_TRAILER = re.compile(r"^(抄送|抄报|附件)[:：]")
_TITLE_END = re.compile(r"(意见|通知|办法|要点|规定|条例|决定|方案|细则|通报|公告)$")


@dataclass(frozen=True)
class Chunk:
    """One passage of a document, with where it sits in the document."""

    doc_id: str
    ordinal: int
    section: str  # compact label, e.g. "四（二）3"; PREAMBLE_SECTION before the first item
    headings: tuple[tuple[str, str], ...]  # (label, title) of each enclosing heading
    title: str  # the item's own short title, "" if it has none
    text: str
    part: int = 1
    parts: int = 1

    @property
    def heading_titles(self) -> list[str]:
        return [title for _, title in self.headings if title]


@dataclass
class _Node:
    labels: list[str]
    headings: list[tuple[str, str]]
    title: str
    paragraphs: list[str] = field(default_factory=list)
    has_children: bool = False


def sentences(text: str) -> list[str]:
    """Split Chinese text after 。！？； (closing quotes stay with their sentence)."""
    return [s for s in _SENTENCE.findall(text) if s.strip()]


def split_long(text: str, max_chars: int) -> list[str]:
    """Cut `text` into parts of at most ~max_chars at sentence ends, one sentence overlapping."""
    if len(text) <= max_chars:
        return [text]
    parts: list[str] = []
    current: list[str] = []
    for sentence in sentences(text):
        if current and sum(map(len, current)) + len(sentence) > max_chars:
            parts.append("".join(current))
            # Carry the last sentence over unless it alone nearly fills a part.
            current = [current[-1]] if len(current[-1]) < max_chars // 2 else []
        current.append(sentence)
    if current:
        tail = "".join(current)
        if parts and parts[-1].endswith(tail):
            return parts
        parts.append(tail)
    return parts


def _is_boilerplate(paragraph: str, document: Document, in_preamble: bool) -> bool:
    """Letterhead, 文号, title, addressee, cover note, signature, date and trailer lines."""
    plain = re.sub(r"[《》〈〉\s]", "", paragraph)
    title = re.sub(r"[《》〈〉\s]", "", document.title)
    sentence_punct = any(ch in "，。；" for ch in paragraph)
    if DOC_NUMBER.match(paragraph) or _DATE_ONLY.match(paragraph) or _TRAILER.match(paragraph):
        return True
    if paragraph[0] in "（(" and paragraph[-1] in "）)" and len(paragraph) <= 40:
        return True  # （此件公开发布）
    if not sentence_punct and len(paragraph) <= 80:
        if plain == title or (title and title in plain) or "关于印发" in paragraph:
            return True  # the title, or 关于印发《title》的通知
        if len(paragraph) <= 40 and (paragraph.endswith("文件") or _ORG_SUFFIX.search(paragraph)):
            return True  # letterhead or signature
        if document.issuer and plain in re.sub(r"[、，\s]", "", document.issuer):
            return True
        if in_preamble and (plain in title or _TITLE_END.search(paragraph)):
            return True  # a piece of a title broken over lines
    if in_preamble and paragraph[-1] in "：:" and "。" not in paragraph and len(paragraph) <= 160:
        return True  # addressee line
    return bool(_COVER_NOTE.search(paragraph)) and len(paragraph) <= 120


def _title_of(rest: str) -> tuple[str, str]:
    """Split an item's opening into (short title, body)."""
    if is_title_line("一、" + rest):
        return rest, ""
    first = sentences(rest)[:1]
    if first and len(first[0]) <= 40 and first[0][-1] in TERMINAL_PUNCT:
        return first[0].rstrip("。；："), rest
    return "", rest


def _nodes(document: Document) -> list[_Node]:
    preamble = _Node(labels=[], headings=[], title="")
    nodes = [preamble]
    stack: list[tuple[MarkerKind, str, str]] = []  # (kind, label, title) of open headings
    current = preamble
    for paragraph in document.paragraphs:
        marker = find_marker(paragraph)
        if marker is None:
            if not _is_boilerplate(paragraph, document, in_preamble=current is preamble):
                current.paragraphs.append(paragraph)
            continue
        kinds = [kind for kind, _, _ in stack]
        if marker.kind in kinds:
            del stack[kinds.index(marker.kind) :]
        title, body = _title_of(paragraph[marker.length :])
        headings = [(label, heading) for _, label, heading in stack]
        current = _Node(
            labels=[label for _, label, _ in stack] + [marker.label],
            headings=headings,
            title=title,
            paragraphs=[body] if body else [],
        )
        nodes.append(current)
        stack.append((marker.kind, marker.label, title))
    for node, following in itertools.pairwise(nodes[1:]):
        depth = len(node.labels)
        node.has_children = (
            following.labels[:depth] == node.labels and len(following.labels) > depth
        )
    return nodes


def chunk_document(document: Document, max_chars: int = 360) -> list[Chunk]:
    """All passages of `document`, in reading order."""
    chunks: list[Chunk] = []
    for node in _nodes(document):
        text = "\n".join(node.paragraphs)
        if not text:
            if node.has_children or not node.title:
                continue  # a heading: its title travels with its children
            text = node.title
        section = format_section(node.labels) if node.labels else PREAMBLE_SECTION
        pieces = split_long(text, max_chars)
        for index, piece in enumerate(pieces, start=1):
            chunks.append(
                Chunk(
                    doc_id=document.doc_id,
                    ordinal=len(chunks),
                    section=section,
                    headings=tuple(node.headings),
                    title=node.title,
                    text=piece,
                    part=index,
                    parts=len(pieces),
                )
            )
    return chunks
