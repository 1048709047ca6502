"""scrypt hashes: self-describing, salted, bounded, compared in constant time."""

from __future__ import annotations

import pytest

from connectors.console.passwords import (
    DEFAULT_PARAMS,
    ScryptParams,
    dummy_hash,
    hash_password,
    needs_rehash,
    parse,
    verify_password,
)

FAST = ScryptParams(n=2**4, r=8, p=1)  # the format and logic, without the cost


def test_default_parameters_are_at_least_owasps() -> None:
    assert DEFAULT_PARAMS.n >= 2**14 and DEFAULT_PARAMS.r >= 8 and DEFAULT_PARAMS.p >= 1
    encoded = hash_password("密码 correct-1")
    scheme, n, r, p, _, _ = encoded.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert verify_password("密码 correct-1", encoded)
    assert not verify_password("密码 correct-2", encoded)


def test_each_hash_has_its_own_salt() -> None:
    first, second = hash_password("same", FAST), hash_password("same", FAST)
    assert first != second
    assert parse(first)[1] != parse(second)[1]
    assert verify_password("same", first) and verify_password("same", second)


def test_the_same_password_typed_two_ways_matches() -> None:
    composed, decomposed = "caf\u00e9-password", "cafe\u0301-password"
    assert verify_password(decomposed, hash_password(composed, FAST))


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "plain",
        "bcrypt$16$8$1$c2FsdA$a2V5",
        "scrypt$16$8$1$!!!$a2V5",
        "scrypt$15$8$1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5",  # n not a power of 2
        "scrypt$2097152$8$1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5",  # n too large
    ],
)
def test_a_malformed_or_absurd_hash_matches_nothing(encoded: str) -> None:
    assert not verify_password("anything", encoded)
    assert needs_rehash(encoded)


def test_a_dummy_hash_is_well_formed_and_matches_nothing() -> None:
    encoded = dummy_hash()
    params, salt, key = parse(encoded)
    assert (params.n, params.r, params.p, len(salt), len(key)) == (2**14, 8, 1, 16, 32)
    assert not verify_password("", encoded)


def test_weaker_hashes_are_renewed() -> None:
    assert needs_rehash(hash_password("pw", FAST))
    assert not needs_rehash(hash_password("pw", FAST), FAST)
    assert needs_rehash(hash_password("pw", FAST), ScryptParams(n=2**4, r=9))
