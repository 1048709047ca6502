"""Indexed passages: a chunk with its document's metadata, and how it is cited.

A passage is what the index stores and what a search returns. It carries the
document's title, 文号, issuer and region alongside the item text, so a result
can be cited — 《title》文号 四（二）3 — without going back to the corpus.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from knowledge.documents import Document, book_title
from knowledge.headings import CN_NUMERAL
from knowledge.structure import PREAMBLE_SECTION, Chunk, sentences

MIN_UNIT_CHARS = 8  # shorter sentences ("一是。") say too little to embed alone


@dataclass(frozen=True)
class Passage:
    chunk_id: str
    doc_id: str
    title: str  # the document's title
    doc_number: str
    issuer: str
    region: str
    level: str
    date: str
    section: str
    headings: list[str]  # "四、工作措施"-style lines of the enclosing headings
    heading_titles: list[str]  # the same headings' titles alone: "工作措施"
    item_title: str
    text: str
    part: int
    parts: int

    @classmethod
    def from_chunk(cls, chunk: Chunk, document: Document) -> Passage:
        return cls(
            chunk_id=f"{chunk.doc_id}#{chunk.ordinal}",
            doc_id=chunk.doc_id,
            title=document.title,
            doc_number=document.doc_number,
            issuer=document.issuer,
            region=document.region,
            level=document.level.value,
            date=document.date,
            section=chunk.section,
            headings=[_heading(label, title) for label, title in chunk.headings],
            heading_titles=[title for _, title in chunk.headings],
            item_title=chunk.title,
            text=chunk.text,
            part=chunk.part,
            parts=chunk.parts,
        )

    @property
    def citation(self) -> str:
        """《title》文号 section — what a person is told the answer rests on."""
        parts = [book_title(self.title) + self.doc_number]
        if self.section != PREAMBLE_SECTION:
            parts.append(self.section)
        else:
            parts.append("引言部分")
        return " ".join(parts)

    def search_text(self) -> str:
        """What is embedded and tokenised: the headings give a short item its topic.

        The preamble also carries the document's title, 文号 and issuer: it is
        the answer to "what is this document about".
        """
        if self.section == PREAMBLE_SECTION:
            return f"{self.title}（{self.doc_number or self.issuer}）：{self.text}"
        context = list(self.heading_titles)
        if self.item_title and not self.text.startswith(self.item_title):
            context.append(self.item_title)
        head = "，".join(c for c in context if c)
        return f"{head}：{self.text}" if head else self.text


def _heading(label: str, title: str) -> str:
    """ "四、工作措施", "（二）建立健全……": the label as the document writes it, then the title."""
    separator = "、" if label[-1:] in CN_NUMERAL else ""
    return f"{label}{separator}{title}"


def embedding_units(passage: Passage) -> list[str]:
    """The texts embedded for a passage: the whole of it, and each sentence of a longer one.

    A short question usually matches one sentence of a long item; averaged
    into the item's single vector that sentence is diluted. Scoring a passage
    by its best unit lets the sentence speak for itself. Each sentence keeps
    the passage's headings so it does not lose its topic.
    """
    units = [passage.search_text()]
    parts = [s for s in sentences(passage.text) if len(s) >= MIN_UNIT_CHARS]
    if len(parts) > 1:
        context = "，".join(t for t in passage.heading_titles if t)
        units.extend(f"{context}：{s}" if context else s for s in parts)
    return units


def write_passages(passages: list[Passage], path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for passage in passages:
            handle.write(json.dumps(asdict(passage), ensure_ascii=False) + "\n")


def read_passages(path: Path) -> list[Passage]:
    with path.open(encoding="utf-8") as handle:
        return [Passage(**json.loads(line)) for line in handle if line.strip()]
