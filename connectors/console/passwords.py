"""Password hashes for the console's accounts: scrypt, salted, self-describing.

scrypt (RFC 7914, `hashlib.scrypt`) is slow and memory-hard on purpose, so a
stolen database gives an attacker a few guesses a second per account instead
of billions. Each hash carries its own random salt and parameters::

    scrypt$16384$8$1$<salt, base64>$<key, base64>

so the parameters can be raised later without invalidating old hashes
(`needs_rehash` says when a hash is weaker than today's default, and the
account store re-hashes it at the next successful sign-in). Parameters read
back from the database are bounded: a tampered row must not be able to ask
for gigabytes of memory. Keys are compared with `hmac.compare_digest`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass

SCHEME = "scrypt"
MAX_PASSWORD_CHARS = 1024  # longer input is no stronger, only slower to refuse


@dataclass(frozen=True)
class ScryptParams:
    """Cost parameters; the default is OWASP's minimum for scrypt (about 50 ms here).

    Args:
        n: CPU/memory cost, a power of two.
        r: block size.
        p: parallelism.
        dklen: bytes of derived key.
        salt_bytes: bytes of random salt per hash.
    """

    n: int = 2**14
    r: int = 8
    p: int = 1
    dklen: int = 32
    salt_bytes: int = 16

    def check(self) -> None:
        """Raise ValueError for parameters that are malformed or absurdly large."""
        if self.n < 2 or self.n & (self.n - 1) or self.n > 2**20:
            raise ValueError("n must be a power of two up to 2**20")
        if not 1 <= self.r <= 32 or not 1 <= self.p <= 16:
            raise ValueError("r must be 1..32 and p 1..16")
        if not 16 <= self.dklen <= 64 or not 16 <= self.salt_bytes <= 64:
            raise ValueError("dklen and salt_bytes must be 16..64")

    @property
    def maxmem(self) -> int:
        # scrypt needs 128·n·r bytes (plus 128·r·p); OpenSSL's default cap is 32 MiB,
        # which n=2**15 already exceeds, so allow twice the need.
        return 2 * 128 * self.r * (self.n + self.p + 2)

    def weaker_than(self, other: ScryptParams) -> bool:
        """Whether any cost of this hash is below `other`'s."""
        return self.n < other.n or self.r < other.r or self.p < other.p or self.dklen < other.dklen


DEFAULT_PARAMS = ScryptParams()


def _derive(password: str, salt: bytes, params: ScryptParams) -> bytes:
    # NFC: the same password typed through different input methods is the same bytes.
    secret = unicodedata.normalize("NFC", password[:MAX_PASSWORD_CHARS]).encode("utf-8")
    return hashlib.scrypt(
        secret,
        salt=salt,
        n=params.n,
        r=params.r,
        p=params.p,
        dklen=params.dklen,
        maxmem=params.maxmem,
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def hash_password(password: str, params: ScryptParams = DEFAULT_PARAMS) -> str:
    """A new hash of `password` with a fresh random salt."""
    params.check()
    salt = secrets.token_bytes(params.salt_bytes)
    key = _derive(password, salt, params)
    return f"{SCHEME}${params.n}${params.r}${params.p}${_b64(salt)}${_b64(key)}"


def dummy_hash(params: ScryptParams = DEFAULT_PARAMS) -> str:
    """A well-formed hash that no password matches (random salt and key)."""
    params.check()
    salt, key = secrets.token_bytes(params.salt_bytes), secrets.token_bytes(params.dklen)
    return f"{SCHEME}${params.n}${params.r}${params.p}${_b64(salt)}${_b64(key)}"


def parse(encoded: str) -> tuple[ScryptParams, bytes, bytes]:
    """Parameters, salt and key of a stored hash.

    Raises:
        ValueError: not a hash this module wrote, or parameters out of bounds.
    """
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        raise ValueError("not an scrypt hash")
    try:
        n, r, p = (int(part) for part in parts[1:4])
        salt, key = _unb64(parts[4]), _unb64(parts[5])
    except (ValueError, binascii.Error) as exc:
        raise ValueError("malformed scrypt hash") from exc
    params = ScryptParams(n=n, r=r, p=p, dklen=len(key), salt_bytes=len(salt))
    params.check()
    return params, salt, key


def verify_password(password: str, encoded: str) -> bool:
    """Whether `password` matches `encoded`; a malformed hash matches nothing."""
    try:
        params, salt, key = parse(encoded)
    except ValueError:
        return False
    return hmac.compare_digest(_derive(password, salt, params), key)


def needs_rehash(encoded: str, params: ScryptParams = DEFAULT_PARAMS) -> bool:
    """Whether `encoded` was made with weaker parameters than `params`."""
    try:
        stored, _, _ = parse(encoded)
    except ValueError:
        return True
    return stored.weaker_than(params)
