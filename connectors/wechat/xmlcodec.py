"""Reading WeChat's XML safely, and writing ours well-formed.

WeChat's messages are one flat `<xml>` element of named fields, so the parser
accepts nothing more: a DOCTYPE, an entity or notation declaration is refused
the moment expat meets it (before any entity could be defined, let alone
expanded: no XXE, no billion laughs), external entities and parameter entities
are never loaded, and the size, depth and field count are bounded. The
document is always read as UTF-8, whatever it declares.

People's input methods put control characters into messages (U+001D and
friends) that XML 1.0 forbids: expat would reject the whole message. They are
removed from the raw bytes before parsing (these byte values never occur
inside a multi-byte UTF-8 sequence) and from every text we write.

Text written into CDATA cannot contain `]]>`; it is split across two CDATA
sections so the reply stays well-formed and reads back unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NoReturn
from xml.parsers import expat

from connectors.wechat.errors import UnsafeXml

MAX_XML_BYTES = 64 * 1024
MAX_DEPTH = 8
MAX_FIELDS = 64
ROOT = "xml"

_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def strip_control(text: str) -> str:
    """`text` without the control characters XML 1.0 (or a phone screen) cannot show."""
    return _CONTROL_CHARS.sub("", text)


def parse(raw: bytes) -> dict[str, str]:
    """The top-level fields of a WeChat `<xml>` document, by element name.

    Nested elements (some events carry them) are skipped: the channel reads no
    field below the top level.

    Raises:
        UnsafeXml: too large, declares a DTD or entities, is not well-formed,
            repeats a field, or is not an `<xml>` document.
    """
    if len(raw) > MAX_XML_BYTES:
        raise UnsafeXml(f"XML of {len(raw)} bytes is over {MAX_XML_BYTES}")
    reader = _FlatReader()
    parser = expat.ParserCreate(encoding="UTF-8")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_entity
    parser.NotationDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_entity
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text
    try:
        parser.Parse(_CONTROL_BYTES.sub(b"", raw), True)
    except expat.ExpatError as exc:
        raise UnsafeXml(f"XML is not well-formed ({expat.ErrorString(exc.code)})") from exc
    if not reader.seen_root:
        raise UnsafeXml("no <xml> root element")
    return reader.fields


def cdata(text: str) -> str:
    """`text` as CDATA; a `]]>` inside is split over two sections and reads back intact."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def to_xml(fields: Mapping[str, str | int]) -> bytes:
    """A flat `<xml>` document: integers bare, strings as CDATA without control characters.

    Field names are the protocol's constants, never user input.
    """
    parts = ["<xml>"]
    for name, value in fields.items():
        body = str(value) if isinstance(value, int) else cdata(strip_control(value))
        parts.append(f"<{name}>{body}</{name}>")
    parts.append("</xml>")
    # "replace": a lone surrogate from a JSON answer must not crash a reply.
    return "".join(parts).encode("utf-8", "replace")


class _FlatReader:
    """Collects the text of the root's children; refuses depth, count and repeats."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}
        self.seen_root = False
        self._depth = 0
        self._field: str | None = None
        self._chunks: list[str] = []

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise UnsafeXml(f"XML nested deeper than {MAX_DEPTH}")
        if self._depth == 1:
            if name != ROOT:
                raise UnsafeXml("root element is not <xml>")
            self.seen_root = True
        elif self._depth == 2:
            if name in self.fields or len(self.fields) >= MAX_FIELDS:
                raise UnsafeXml("a field is repeated, or there are too many fields")
            self._field, self._chunks = name, []
        else:
            self._field = None  # a field with children is structure, not text: skipped

    def end(self, name: str) -> None:
        if self._depth == 2:
            self.fields[name] = "".join(self._chunks) if self._field == name else ""
            self._field = None
        self._depth -= 1

    def text(self, data: str) -> None:
        if self._depth == 2 and self._field is not None:
            self._chunks.append(data)


def _refuse_doctype(*_: object) -> NoReturn:
    raise UnsafeXml("XML declares a DOCTYPE")


def _refuse_entity(*_: object) -> NoReturn:
    raise UnsafeXml("XML declares or references an entity or notation")
