"""Corpus documents and their metadata.

A document is one file in the corpus folder. Its metadata (title, issuer, 文号,
date, region, level) comes from YAML front matter or a `<name>.meta.yml` file
beside it; whatever is missing is read off the text where that is reliable (a
文号 line, a date line), and reported as a warning otherwise. A malformed date
is kept as written: it is shown to people, never computed with.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from knowledge.errors import CorpusError
from knowledge.loaders import SIDECAR_SUFFIX, SUPPORTED_SUFFIXES, read_document_file
from knowledge.normalize import DOC_NUMBER, normalize_document, normalize_line

log = logging.getLogger(__name__)


def book_title(title: str) -> str:
    """A title inside 《》, inner 《》 turned into 〈〉 as Chinese typesetting requires."""
    inner = title.replace("《", "〈").replace("》", "〉")
    return f"《{inner}》"


class Level(Enum):
    """Administrative level of the issuing body."""

    NATIONAL = "national"
    PROVINCIAL = "provincial"
    CITY = "city"
    DISTRICT = "district"
    OTHER = "other"


@dataclass(frozen=True)
class Document:
    """A cleaned document, ready to be chunked."""

    doc_id: str
    title: str
    issuer: str
    doc_number: str
    date: str
    region: str
    level: Level
    paragraphs: tuple[str, ...]
    source: Path
    content_hash: str
    warnings: tuple[str, ...] = field(default=())


_KNOWN_KEYS = {"title", "issuer", "doc_number", "date", "region", "level"}
_TITLE_WORDS = re.compile(r"(意见|通知|办法|要点|规定|条例|决定|方案|细则|指引|指南|规划|公告)$")
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def _infer_level(region: str) -> Level:
    if not region or region in ("全国", "中国", "中华人民共和国"):
        return Level.NATIONAL if region else Level.OTHER
    if re.search(r"(区|县|旗)$", region):
        return Level.DISTRICT
    if re.search(r"市$", region):
        return Level.CITY
    if re.search(r"(省|自治区)$", region) or region in ("北京市", "天津市", "上海市", "重庆市"):
        return Level.PROVINCIAL
    return Level.OTHER


def _parse_level(value: Any, path: Path) -> Level | None:
    if value in (None, ""):
        return None
    try:
        return Level(str(value).strip().lower())
    except ValueError as exc:
        allowed = ", ".join(level.value for level in Level)
        raise CorpusError(f"level {value!r} is not one of: {allowed}", path) from exc


def _infer_title(paragraphs: list[str]) -> str:
    for paragraph in paragraphs[:15]:
        if len(paragraph) <= 60 and _TITLE_WORDS.search(paragraph) and "，" not in paragraph:
            return paragraph
    return ""


def _infer_doc_number(paragraphs: list[str]) -> str:
    for paragraph in paragraphs[:10]:
        if DOC_NUMBER.match(paragraph):
            return paragraph
    return ""


def _infer_date(paragraphs: list[str]) -> str:
    for paragraph in reversed(paragraphs[-6:]):
        match = _DATE.search(paragraph)
        if match and len(paragraph) <= 20:
            year, month, day = match.groups()
            return f"{year}-{int(month):02d}-{int(day):02d}"
    return ""


def build_document(path: Path, meta: dict[str, Any], body: str) -> Document:
    """Clean `body` and complete `meta` into a Document."""
    paragraphs = normalize_document(body)
    if not paragraphs:
        raise CorpusError("the document has no text", path)
    warnings = [
        f"unknown front matter key {key!r} ignored" for key in meta if key not in _KNOWN_KEYS
    ]
    text_of = {key: normalize_line(str(meta.get(key) or "")) for key in _KNOWN_KEYS - {"level"}}
    if not text_of["title"]:
        text_of["title"] = _infer_title(paragraphs) or path.stem
        warnings.append(f"no title given; using {text_of['title']!r}")
    if "doc_number" not in meta:
        text_of["doc_number"] = _infer_doc_number(paragraphs)
    if not text_of["date"]:
        text_of["date"] = _infer_date(paragraphs)
    level = _parse_level(meta.get("level"), path) or _infer_level(text_of["region"])
    digest = hashlib.sha256(("\n".join(paragraphs) + repr(sorted(text_of.items()))).encode())
    return Document(
        doc_id=path.stem,
        title=text_of["title"],
        issuer=text_of["issuer"],
        doc_number=text_of["doc_number"],
        date=text_of["date"],
        region=text_of["region"],
        level=level,
        paragraphs=tuple(paragraphs),
        source=path,
        content_hash=digest.hexdigest(),
        warnings=tuple(warnings),
    )


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The document files of a corpus folder, in a stable order."""
    if not corpus_dir.is_dir():
        raise CorpusError("corpus folder not found", corpus_dir)
    return sorted(
        p
        for p in corpus_dir.iterdir()
        if p.is_file()
        and p.suffix.lower() in SUPPORTED_SUFFIXES
        and not p.name.endswith(SIDECAR_SUFFIX)
        and not p.name.startswith((".", "~$"))
        and p.name.lower() != "readme.md"
    )


def load_document(path: Path) -> Document:
    meta, body = read_document_file(path)
    return build_document(path, meta, body)


def load_corpus(corpus_dir: Path) -> list[Document]:
    """Load every document; a broken file stops the build with its name."""
    documents = [load_document(path) for path in corpus_files(corpus_dir)]
    if not documents:
        raise CorpusError("no documents (.txt, .md, .docx, .html, .pdf) in the folder", corpus_dir)
    seen: dict[str, Path] = {}
    for document in documents:
        if document.doc_id in seen:
            raise CorpusError(
                f"two files share the name {document.doc_id!r} ({seen[document.doc_id].name})",
                document.source,
            )
        seen[document.doc_id] = document.source
        for warning in document.warnings:
            log.warning("%s: %s", document.source.name, warning)
    return documents
