"""Request signatures of the WeChat official-account protocol.

Follows the official documents 接入指南 (URL verification: `signature` = SHA-1
of the sorted and concatenated token, timestamp and nonce) and 消息加解密说明
(`msg_signature` = SHA-1 of the sorted token, timestamp, nonce and <Encrypt>).
Signatures are compared with `hmac.compare_digest`, and a timestamp far from
our clock is refused: a captured request cannot be replayed days later.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

from connectors.wechat.errors import SignatureMismatch


def sign(*parts: str) -> str:
    """Hex SHA-1 of the parts sorted as strings and joined without separator."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324 - the protocol


def check(given: str | None, *parts: str) -> None:
    """Refuse unless `given` is the signature of `parts`.

    Raises:
        SignatureMismatch: missing or different (compared in constant time).
    """
    if not given:
        raise SignatureMismatch("signature missing")
    # compare_digest needs ASCII str on both sides; a non-ASCII "signature" is wrong anyway.
    if not given.isascii() or not hmac.compare_digest(given.lower(), sign(*parts)):
        raise SignatureMismatch("signature does not match")


def check_timestamp(
    timestamp: str | None, max_skew: float, clock: Callable[[], float] = time.time
) -> str:
    """The request's timestamp, if it is a number within `max_skew` seconds of now.

    A skew of 0 turns the window off (the timestamp must still be a number).

    Raises:
        SignatureMismatch: missing, not a number, or outside the window.
    """
    if not timestamp or not timestamp.isdigit() or not timestamp.isascii():
        raise SignatureMismatch("timestamp missing or not a number")
    if max_skew and abs(clock() - int(timestamp)) > max_skew:
        raise SignatureMismatch(f"timestamp more than {max_skew:g} s from our clock")
    return timestamp
