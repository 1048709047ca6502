"""The sign-in throttle's memory: bounded, shared through the database, junk cannot erase a delay."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from connectors.console.db import ConsoleDatabase
from connectors.console.errors import SignInThrottled
from connectors.console.throttle import MAX_KEYS, PAIR, SignInThrottle, unlock
from connectors.console.throttle_store import Scope, add_failure, keyring
from tests.connectors.console.conftest import AGENT, Clock

DESK = "203.0.113.7"
STRANGER = "198.51.100.66"


@pytest.fixture
def db(tmp_path: Path) -> ConsoleDatabase:
    return ConsoleDatabase(tmp_path / "console.db")


def delayed(throttle: SignInThrottle, db: ConsoleDatabase, name: str, address: str) -> float:
    """Seconds the next attempt must wait; 0.0 when it may go ahead."""
    try:
        throttle.check(db, name, address)
    except SignInThrottled as exc:
        return float(exc.retry_after)
    return 0.0


def rows(db: ConsoleDatabase, scope: Scope) -> int:
    with db.connect() as connection:
        return int(
            connection.execute(
                "SELECT count(*) FROM sign_in_failures WHERE scope = ?", (scope.value,)
            ).fetchone()[0]
        )


def lock_pair(throttle: SignInThrottle, db: ConsoleDatabase, name: str, address: str) -> None:
    """Enough failures of `name` from `address` to set the longest delay."""
    for _ in range(PAIR.free + 12):
        throttle.failed(db, name, address)
    assert delayed(throttle, db, name, address) == PAIR.cap


def test_ten_thousand_junk_keys_do_not_erase_a_delay(db: ConsoleDatabase) -> None:
    clock = Clock()
    throttle = SignInThrottle(clock=clock)
    lock_pair(throttle, db, AGENT, STRANGER)
    # A flood of made-up names from made-up addresses, as fast as SQLite takes
    # them: one transaction, through the same function a failed sign-in uses.
    now = clock()
    with db.connect() as connection:
        keys = keyring(connection)
        for number in range(MAX_KEYS + 500):
            name = keys.key("name", f"junk{number}")
            address = keys.key(
                "address", f"10.{number // 65536}.{number // 256 % 256}.{number % 256}"
            )
            for scope, row_name, row_address in (
                (Scope.PAIR, name, address),
                (Scope.NAME, name, ""),
                (Scope.ADDRESS, "", address),
            ):
                add_failure(connection, scope, row_name, row_address, PAIR, now, MAX_KEYS)
    assert delayed(throttle, db, AGENT, STRANGER) == PAIR.cap  # still there
    assert rows(db, Scope.PAIR) == rows(db, Scope.NAME) == rows(db, Scope.ADDRESS) == MAX_KEYS


def test_when_every_row_delays_the_one_ending_soonest_goes_first(db: ConsoleDatabase) -> None:
    clock = Clock()
    throttle = SignInThrottle(clock=clock, max_keys=3)
    lock_pair(throttle, db, "long.delay", STRANGER)
    for number in range(2):  # two shorter delays
        for _ in range(PAIR.free + 1):
            throttle.failed(db, f"short{number}", STRANGER)
    throttle.failed(db, "newcomer", STRANGER)  # needs room: a 5 s delay goes, not 15 min
    assert delayed(throttle, db, "long.delay", STRANGER) == PAIR.cap
    assert rows(db, Scope.PAIR) == 3


def test_rows_that_delay_no_one_go_before_any_that_do(db: ConsoleDatabase) -> None:
    clock = Clock()
    throttle = SignInThrottle(clock=clock, max_keys=20)
    lock_pair(throttle, db, AGENT, STRANGER)
    for number in range(50):  # through the public path, one failure per junk name
        throttle.failed(db, f"junk{number}", f"10.0.0.{number}")
        clock.advance(0.01)
    assert delayed(throttle, db, AGENT, STRANGER) > 0
    assert rows(db, Scope.PAIR) == 20


def test_a_second_process_sees_the_delays_and_the_unlock(db: ConsoleDatabase) -> None:
    clock = Clock()
    gateway, other = SignInThrottle(clock=clock), SignInThrottle(clock=clock)
    lock_pair(gateway, db, AGENT, STRANGER)
    assert delayed(other, db, AGENT, STRANGER) == PAIR.cap
    assert unlock(ConsoleDatabase(db.path), AGENT.upper()) >= 2  # the CLI opens its own
    assert delayed(gateway, db, AGENT, STRANGER) == 0.0


def test_a_run_of_failures_is_forgotten_after_a_quiet_day(db: ConsoleDatabase) -> None:
    clock = Clock()
    throttle = SignInThrottle(clock=clock)
    for _ in range(PAIR.free):
        throttle.failed(db, AGENT, DESK)
    clock.advance(PAIR.forget)
    throttle.failed(db, AGENT, DESK)  # counts as the first of a new run: no delay
    assert delayed(throttle, db, AGENT, DESK) == 0.0


def test_the_usual_address_stops_being_usual_after_30_days(db: ConsoleDatabase) -> None:
    clock = Clock()
    throttle = SignInThrottle(clock=clock)
    throttle.succeeded(db, AGENT, DESK)
    for number in range(15):  # distributed guessing: the name count delays
        throttle.failed(db, AGENT, f"198.51.100.{number}")
    assert delayed(throttle, db, AGENT, DESK) == 0.0
    assert delayed(throttle, db, AGENT, "192.0.2.1") > 0
    clock.advance(30 * 86400 + 1)
    for number in range(15):
        throttle.failed(db, AGENT, f"198.51.100.{number + 20}")
    assert delayed(throttle, db, AGENT, DESK) > 0


def test_typed_names_and_addresses_are_not_stored(db: ConsoleDatabase) -> None:
    throttle = SignInThrottle(clock=Clock())
    typed = "MySecretPassw0rd"  # typed into the name field by mistake
    throttle.failed(db, typed, STRANGER)
    throttle.succeeded(db, AGENT, DESK)
    with sqlite3.connect(db.path) as raw:
        dump = "\n".join(raw.iterdump())
    for text in (typed, typed.casefold(), STRANGER, DESK, AGENT):
        assert text not in dump
