"""Encryption at rest of the personal fields of a case (name, phone, ID, the account).

Fernet (AES-128-CBC + HMAC-SHA256) with keys from the environment. Several
keys may be given, comma-separated: the first encrypts, all decrypt — so a
key can be rotated without re-encrypting everything first
(`python -m cases rotate-key` re-encrypts at leisure).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from cases.errors import ConfigurationError, DecryptionFailed
from cases.files import tighten, write_private

log = logging.getLogger(__name__)

UNDECRYPTABLE = (
    "a stored field cannot be decrypted: the encryption key is not the one "
    "the record was written with"
)


class FieldCipher:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ConfigurationError("no encryption key")
        try:
            self._fernet = MultiFernet([Fernet(key.strip().encode("ascii")) for key in keys])
            # A separate secret for digests, derived from the current key.
            self._digest_key = hashlib.sha256(b"case-digest:" + keys[0].strip().encode()).digest()
        except (ValueError, UnicodeEncodeError) as exc:
            raise ConfigurationError(
                "CASE_ENCRYPTION_KEY must be Fernet keys (32 url-safe base64 bytes), "
                "comma-separated; make one with `python -m cases keygen`"
            ) from exc

    @classmethod
    def from_keys(cls, text: str) -> FieldCipher:
        return cls([key for key in text.split(",") if key.strip()])

    def encrypt(self, value: str | None) -> str | None:
        if value is None:
            return None
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str | None) -> str | None:
        if token is None:
            return None
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise DecryptionFailed(UNDECRYPTABLE) from exc

    def digest(self, value: str) -> str:
        """A keyed hash of `value`: equal values match, and unlike a plain hash of a
        phone number it cannot be reversed by trying all numbers."""
        return hmac.new(self._digest_key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def rotate(self, token: str | None) -> str | None:
        """The same value encrypted with the current (first) key; DecryptionFailed if
        none of the keys is the one it was written with."""
        if token is None:
            return None
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise DecryptionFailed(UNDECRYPTABLE) from exc


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def key_from_file(path: Path, *, create: bool, variable: str = "CASE_ENCRYPTION_KEY") -> str:
    """The key kept in `path`, created (0600, in a 0700 folder) when allowed.

    For development only: `make run` works without setup. The file belongs
    outside the data folder (secrets/ by default), so that a backup of the
    data does not carry the key that decrypts it. Production sets the
    `variable` (CASE_ENCRYPTION_KEY; the conversation store's is
    TRACKER_ENCRYPTION_KEY); the settings refuse to start without it.
    """
    if not path.exists():
        if not create:
            raise ConfigurationError(f"no encryption key file at {path}")
        if write_private(path, new_key() + "\n"):
            log.warning("generated an encryption key at %s; set %s in production", path, variable)
    tighten(path)
    return path.read_text(encoding="ascii").strip()
