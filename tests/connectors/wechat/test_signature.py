"""Signatures checked against wechatpy's, with a timestamp window."""

from __future__ import annotations

import pytest
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import WeChatSigner, check_signature

from connectors.wechat import signature
from connectors.wechat.errors import SignatureMismatch
from tests.connectors.wechat.conftest import TOKEN


def test_sign_matches_wechatpy() -> None:
    ours = signature.sign(TOKEN, "1700000000", "42")
    check_signature(TOKEN, ours, "1700000000", "42")  # raises if different
    with pytest.raises(InvalidSignatureException):
        check_signature(TOKEN, signature.sign(TOKEN, "1700000000", "43"), "1700000000", "42")
    signer = WeChatSigner()
    signer.add_data(TOKEN, "1700000000", "42", "ENCRYPTED+/=")
    assert signature.sign(TOKEN, "1700000000", "42", "ENCRYPTED+/=") == signer.signature


def test_check_accepts_the_right_signature_in_either_case() -> None:
    good = signature.sign(TOKEN, "1", "2")
    signature.check(good, TOKEN, "1", "2")
    signature.check(good.upper(), TOKEN, "1", "2")


@pytest.mark.parametrize(
    "given",
    [None, "", "0" * 40, signature.sign("othertoken", "1", "2"), "签名" * 20],
)
def test_check_refuses_missing_or_wrong(given: str | None) -> None:
    with pytest.raises(SignatureMismatch):
        signature.check(given, TOKEN, "1", "2")


def test_timestamp_window() -> None:
    now = 1_700_000_000.0
    assert signature.check_timestamp("1700000100", 300, clock=lambda: now) == "1700000100"
    for stale in ("1699999000", "1700001000"):
        with pytest.raises(SignatureMismatch, match="from our clock"):
            signature.check_timestamp(stale, 300, clock=lambda: now)
    assert signature.check_timestamp("1", 0, clock=lambda: now) == "1"  # 0 turns the window off
    for bad in (None, "", "-5", "1.5", "１２"):
        with pytest.raises(SignatureMismatch):
            signature.check_timestamp(bad, 300, clock=lambda: now)
