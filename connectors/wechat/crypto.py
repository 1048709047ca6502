"""Message encryption of WeChat's safe mode (安全模式), with key rotation.

Follows the official document 消息加解密说明 (公众号):

* key = base64decode(EncodingAESKey + "="), 32 bytes; AES-256-CBC with IV = key[:16];
* plaintext = 16 random bytes + len(xml) as 4 bytes big-endian + xml + AppID,
  padded PKCS#7-style to a multiple of 32 bytes (pad values 1-32);
* the ciphertext travels base64-encoded in <Encrypt>.

CBC carries no integrity check of its own; `msg_signature` (signature.py) is
what authenticates <Encrypt>, and it is verified before `decrypt` runs. The
AppID inside the plaintext then proves the message is for this account.

When the EncodingAESKey is changed in the MP console, messages already on the
way still use the old one: `decrypt` tries the current key, then the previous
one. Replies are always encrypted with the current key.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import struct
from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from connectors.wechat.errors import AppIdMismatch, DecryptFailed

KEY_BYTES = 32
PAD_BLOCK = 32  # WeChat pads to 32 bytes, not AES's 16
RANDOM_BYTES = 16
_LENGTH = struct.Struct(">I")


class _Garbled(Exception):
    """This key does not open this ciphertext (bad padding or length)."""


class MessageCrypto:
    """Encrypts replies and decrypts messages of one official account.

    Args:
        app_id: the account's AppID, appended to every plaintext and checked on decrypt.
        key: the current AES key (32 bytes, see settings.decode_aes_key).
        previous_key: the key before the last change, accepted for decryption only.
        random_bytes: source of the 16-byte prefix (os.urandom; fixed in tests).
    """

    def __init__(
        self,
        app_id: str,
        key: bytes,
        previous_key: bytes | None = None,
        random_bytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        for candidate in (key, previous_key):
            if candidate is not None and len(candidate) != KEY_BYTES:
                raise ValueError(f"an AES key must have {KEY_BYTES} bytes")
        self._app_id = app_id.encode()
        self._key = key
        self._keys = [k for k in (key, previous_key) if k is not None]
        self._random_bytes = random_bytes

    def encrypt(self, xml: bytes) -> str:
        """The base64 <Encrypt> value for `xml`, under the current key."""
        plaintext = self._random_bytes(RANDOM_BYTES) + _LENGTH.pack(len(xml)) + xml + self._app_id
        pad = PAD_BLOCK - len(plaintext) % PAD_BLOCK
        plaintext += bytes([pad]) * pad
        encryptor = _cipher(self._key).encryptor()
        ciphertext = encryptor.update(plaintext) + encryptor.finalize()
        return base64.b64encode(ciphertext).decode("ascii")

    def decrypt(self, encrypted: str) -> bytes:
        """The XML inside an <Encrypt> value.

        Raises:
            DecryptFailed: not base64, not whole AES blocks, or no key opens it.
            AppIdMismatch: a key opens it, but the AppID inside is another account's.
        """
        try:
            ciphertext = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DecryptFailed("Encrypt is not base64") from exc
        if not ciphertext or len(ciphertext) % 16:
            raise DecryptFailed(f"ciphertext of {len(ciphertext)} bytes is not whole AES blocks")
        foreign = False
        for key in self._keys:
            try:
                xml, app_id = _open(key, ciphertext)
            except _Garbled:
                continue
            if hmac.compare_digest(app_id, self._app_id):
                return xml
            foreign = True
        if foreign:
            raise AppIdMismatch("the message is for another AppID")
        raise DecryptFailed("no configured key opens the ciphertext")


def _cipher(key: bytes) -> Cipher[modes.CBC]:
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def _open(key: bytes, ciphertext: bytes) -> tuple[bytes, bytes]:
    """(xml, app_id) from one ciphertext under one key.

    Raises:
        _Garbled: the padding or the length field does not make sense under this key.
    """
    decryptor = _cipher(key).decryptor()
    plaintext = decryptor.update(ciphertext) + decryptor.finalize()
    pad = plaintext[-1]
    if not 1 <= pad <= PAD_BLOCK or plaintext[-pad:] != bytes([pad]) * pad:
        raise _Garbled
    content = plaintext[RANDOM_BYTES:-pad]
    if len(content) < _LENGTH.size:
        raise _Garbled
    (length,) = _LENGTH.unpack_from(content)
    if length > len(content) - _LENGTH.size:
        raise _Garbled
    end = _LENGTH.size + length
    return content[_LENGTH.size : end], content[end:]
