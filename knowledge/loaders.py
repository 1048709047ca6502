"""Read a corpus file of any supported format into plain text.

.txt and .md are read directly (with optional YAML front matter); .docx, .html
and .pdf go through python-docx, the standard library's HTML parser and pypdf.
Cleaning the text is not done here: `normalize.py` does it for every format
alike, so a loader only has to keep paragraph and page boundaries.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from knowledge.errors import CorpusError, DocumentFormatError

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".docx", ".html", ".htm", ".pdf")
SIDECAR_SUFFIX = ".meta.yml"

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


def split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    """Split `---` YAML front matter from the body; no front matter → empty dict."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text.lstrip("\ufeff")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise CorpusError(f"front matter is not valid YAML ({exc})", path) from exc
    if not isinstance(meta, dict):
        raise CorpusError("front matter must be key: value lines", path)
    return meta, text[match.end() :]


def read_sidecar(path: Path) -> dict[str, Any]:
    """Metadata for formats without front matter: `<name>.meta.yml` beside the file."""
    sidecar = path.with_name(path.stem + SIDECAR_SUFFIX)
    if not sidecar.exists():
        return {}
    meta, _ = split_front_matter("---\n" + sidecar.read_text(encoding="utf-8") + "\n---\n", sidecar)
    return meta


def _decode(data: bytes, path: Path) -> str:
    # Chinese documents still arrive in GB18030 (a superset of GBK/GB2312).
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentFormatError("not UTF-8 or GB18030 text", path)


_MD_RULES = [
    (re.compile(r"^```.*?^```", re.M | re.S), ""),  # code blocks carry no policy text
    (re.compile(r"^\s{0,3}#{1,6}\s*", re.M), ""),  # heading hashes; the numbering stays
    (re.compile(r"^\s{0,3}>\s?", re.M), ""),  # block quotes
    (re.compile(r"^\s*[-*+]\s+", re.M), ""),  # bullets
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images → alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links → their text
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"^\s*\|?\s*:?-{3,}.*$", re.M), ""),  # table rules
    (re.compile(r"\s*\|\s*"), " "),  # table cells
]


def markdown_to_text(text: str) -> str:
    """Drop Markdown syntax, keep the words and the line structure."""
    for pattern, repl in _MD_RULES:
        text = pattern.sub(repl, text)
    return text


class _HTMLText(HTMLParser):
    """Collect visible text, one line per block element."""

    BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6"}
        | {"section", "article", "header", "footer", "table", "blockquote", "pre", "dd", "dt"}
    )
    HIDDEN = frozenset(["script", "style", "noscript", "template", "head"])

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._hidden = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == "title":
            self._in_title = True
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1
        if tag == "title":
            self._in_title = False
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._hidden:
            self.parts.append(data)


def html_to_text(html: str) -> tuple[str, str]:
    """Visible text of an HTML page and its <title>."""
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts), parser.title.strip()


def _read_docx(path: Path) -> str:
    import docx  # python-docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise DocumentFormatError(f"not a readable .docx file ({exc})", path) from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        # A form feed marks each page end so the line joiner can mend
        # sentences cut by the page break.
        return "\f".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise DocumentFormatError(f"not a readable PDF ({exc})", path) from exc


def read_document_file(path: Path) -> tuple[dict[str, Any], str]:
    """Return (metadata found in or beside the file, raw body text)."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentFormatError(
            f"unsupported file type {suffix!r} (supported: {', '.join(SUPPORTED_SUFFIXES)})", path
        )
    try:
        if suffix in (".txt", ".md", ".markdown"):
            meta, body = split_front_matter(_decode(path.read_bytes(), path), path)
            if suffix != ".txt":
                body = markdown_to_text(body)
            return {**read_sidecar(path), **meta}, body
        meta = read_sidecar(path)
        if suffix in (".html", ".htm"):
            body, title = html_to_text(_decode(path.read_bytes(), path))
            if title:
                meta.setdefault("title", title)
            return meta, body
        if suffix == ".docx":
            return meta, _read_docx(path)
        return meta, _read_pdf(path)
    except OSError as exc:
        raise CorpusError(f"cannot read file ({exc.strerror})", path) from exc
