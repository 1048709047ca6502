"""Safe XML: no DTD, no entities, bounded; control characters removed; CDATA split."""

from __future__ import annotations

import time

import pytest
import xmltodict

from connectors.wechat.errors import UnsafeXml
from connectors.wechat.xmlcodec import cdata, parse, strip_control, to_xml

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><Content>&xxe;</Content></xml>"""

BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]><xml><Content>&lol9;</Content></xml>"
)


def test_flat_fields_are_read() -> None:
    fields = parse(
        b"<xml><ToUserName><![CDATA[gh_1]]></ToUserName><CreateTime>17</CreateTime>"
        b"<ScanCodeInfo><ScanType>qrcode</ScanType></ScanCodeInfo><Empty/></xml>"
    )
    assert fields == {"ToUserName": "gh_1", "CreateTime": "17", "ScanCodeInfo": "", "Empty": ""}


@pytest.mark.parametrize(
    "raw",
    [
        XXE,
        BILLION_LAUGHS,
        b'<!DOCTYPE xml SYSTEM "http://127.0.0.1:1/evil.dtd"><xml/>',
        b"<!DOCTYPE xml><xml/>",
        b"<xml><Content>&undefined;</Content></xml>",
    ],
)
def test_dtd_and_entities_are_refused_without_expansion(raw: bytes) -> None:
    started = time.perf_counter()
    with pytest.raises(UnsafeXml) as caught:
        parse(raw)
    assert time.perf_counter() - started < 0.1  # refused, not expanded
    assert "root:" not in str(caught.value)


@pytest.mark.parametrize(
    "raw",
    [b"", b"<xml>", b"<html/>", b"not xml", b"<xml><A>1</A><A>2</A></xml>", b"<xml/><xml/>"],
)
def test_malformed_documents_are_refused(raw: bytes) -> None:
    with pytest.raises(UnsafeXml):
        parse(raw)


def test_size_depth_and_field_count_are_bounded() -> None:
    with pytest.raises(UnsafeXml, match="over"):
        parse(b"<xml><A>" + b"a" * 70_000 + b"</A></xml>")
    with pytest.raises(UnsafeXml, match="deeper"):
        parse(b"<xml>" + b"<a>" * 10 + b"</a>" * 10 + b"</xml>")
    with pytest.raises(UnsafeXml, match="too many"):
        parse(b"<xml>" + b"".join(f"<F{i}/>".encode() for i in range(100)) + b"</xml>")


def test_control_characters_are_removed_before_parsing() -> None:
    raw = "<xml><Content><![CDATA[专利\x1d被\x00侵权\x08了\t\n]]></Content></xml>".encode()
    assert parse(raw)["Content"] == "专利被侵权了\t\n"
    assert strip_control("a\x1db\x7fc\ufffe") == "abc"


def test_declared_encoding_is_ignored_utf8_is_read() -> None:
    raw = '<?xml version="1.0" encoding="ISO-8859-1"?><xml><A>维权</A></xml>'.encode()
    assert parse(raw) == {"A": "维权"}


@pytest.mark.parametrize("text", ["a]]>b", "]]>", "]]>]]>", "x]]]>y", "<b>&amp;</b>"])
def test_cdata_keeps_any_text_intact(text: str) -> None:
    xml = to_xml({"Content": text, "CreateTime": 5})
    assert parse(xml)["Content"] == text
    assert xmltodict.parse(xml)["xml"]["Content"] == text  # an independent parser agrees
    assert cdata("]]>").count("<![CDATA[") == 2


def test_to_xml_strips_control_characters_and_survives_surrogates() -> None:
    xml = to_xml({"Content": "a\x1db\ud800c"})
    assert b"\x1d" not in xml
    assert parse(xml)["Content"] == "ab?c"
