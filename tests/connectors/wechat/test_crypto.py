"""Safe-mode encryption against wechatpy, an independent implementation of the protocol."""

from __future__ import annotations

import base64

import pytest
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException

from connectors.wechat.crypto import MessageCrypto
from connectors.wechat.errors import AppIdMismatch, DecryptFailed
from connectors.wechat.settings import decode_aes_key
from tests.connectors.wechat.conftest import AES_KEY, APP_ID, OLD_AES_KEY, TOKEN

KEY = decode_aes_key(AES_KEY, "test")
OLD_KEY = decode_aes_key(OLD_AES_KEY, "test")
XML = "<xml><Content><![CDATA[专利被侵权了怎么办？]]></Content></xml>"


def ours(previous: bytes | None = None) -> MessageCrypto:
    assert KEY is not None
    return MessageCrypto(APP_ID, KEY, previous)


def theirs(key: str = AES_KEY, app_id: str = APP_ID) -> WeChatCrypto:
    return WeChatCrypto(TOKEN, key, app_id)


def wechatpy_encrypt(xml: str, key: str = AES_KEY, app_id: str = APP_ID) -> str:
    envelope = theirs(key, app_id).encrypt_message(xml, "123", "1700000000")
    return str(xmltodict.parse(envelope)["xml"]["Encrypt"])


def test_key_is_base64_of_the_encoding_key_plus_padding() -> None:
    assert base64.b64decode(AES_KEY + "=") == KEY
    assert KEY is not None and len(KEY) == 32


def test_we_decrypt_what_wechatpy_encrypts() -> None:
    assert ours().decrypt(wechatpy_encrypt(XML)).decode() == XML


def test_wechatpy_decrypts_what_we_encrypt() -> None:
    from wechatpy.crypto import PrpCrypto

    encrypted = ours().encrypt(XML.encode())
    assert PrpCrypto(KEY).decrypt(encrypted, APP_ID) == XML
    with pytest.raises(InvalidAppIdException):
        PrpCrypto(KEY).decrypt(encrypted, "wxsomeoneelse00000")


@pytest.mark.parametrize("size", [0, 1, 29, 30, 31, 1000])
def test_padding_to_32_bytes_round_trips(size: int) -> None:
    # 16 random + 4 length + 3 bytes a character + 18-byte AppID: 30 characters make
    # exactly 128 bytes, so a whole block of padding (value 32) is added.
    xml = ("字" * size).encode()
    encrypted = ours().encrypt(xml)
    raw = base64.b64decode(encrypted)
    assert len(raw) % 32 == 0
    assert ours().decrypt(encrypted) == xml


def test_random_prefix_makes_each_ciphertext_different() -> None:
    assert ours().encrypt(b"<xml/>") != ours().encrypt(b"<xml/>")


def test_previous_key_still_decrypts_but_replies_use_the_current_one() -> None:
    crypto = ours(previous=OLD_KEY)
    assert crypto.decrypt(wechatpy_encrypt(XML, key=OLD_AES_KEY)).decode() == XML
    assert crypto.decrypt(wechatpy_encrypt(XML)).decode() == XML
    from wechatpy.crypto import PrpCrypto

    reply = crypto.encrypt(b"<xml/>")
    assert PrpCrypto(KEY).decrypt(reply, APP_ID) == "<xml/>"


def test_old_key_alone_is_refused_without_previous_setting() -> None:
    with pytest.raises(DecryptFailed):
        ours().decrypt(wechatpy_encrypt(XML, key=OLD_AES_KEY))


def test_foreign_app_id_is_refused() -> None:
    with pytest.raises(AppIdMismatch):
        ours().decrypt(wechatpy_encrypt(XML, app_id="wxsomeoneelse00000"))


def test_tampered_ciphertext_is_refused() -> None:
    raw = bytearray(base64.b64decode(wechatpy_encrypt(XML)))
    raw[0] ^= 0x80  # flips the top bit of the length field in the next block
    with pytest.raises(DecryptFailed):
        ours().decrypt(base64.b64encode(bytes(raw)).decode())


@pytest.mark.parametrize("value", ["", "not base64!", base64.b64encode(b"x" * 15).decode()])
def test_malformed_ciphertext_is_refused(value: str) -> None:
    with pytest.raises(DecryptFailed):
        ours().decrypt(value)


def test_keys_must_have_32_bytes() -> None:
    with pytest.raises(ValueError):
        MessageCrypto(APP_ID, b"short")
