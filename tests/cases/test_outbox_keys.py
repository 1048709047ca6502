"""Key rotation and the outbox: no queued application is stranded, none blocks the rest.

`python -m cases rotate-key` tells the operator the old key may go, so every
application still waiting in the outbox must be re-encrypted with the new one.
A row no configured key can read (a key lost for good) is set aside for the
operator — logged without personal data, listed by `python -m cases outbox` —
and the relay goes on with the applications behind it.
"""

from __future__ import annotations

import io
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cases.cli import main
from cases.crypto import FieldCipher, new_key
from cases.desk import CaseDesk
from cases.outbox import Outbox, OutboxEntry, OutboxState
from cases.settings import CaseSettings
from cases.sql import SqlCaseBackend
from tests.cases.factories import application

ENV = {"USER": "tester"}
START = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
LATER = START + timedelta(hours=1)


def run(settings: CaseSettings, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), env=ENV, settings=settings, stdout=out, stderr=err, clock=lambda: LATER)
    return code, out.getvalue(), err.getvalue()


def queue(path: Path, key: str, count: int, *, first: int = 0) -> list[OutboxEntry]:
    """`count` applications written ahead under `key`, as a desk whose case system
    was down would have left them; each from its own conversation and phone."""
    outbox = Outbox(path, FieldCipher([key]), clock=lambda: START)
    try:
        return [
            outbox.add(
                f"key-{i}",
                f"conversation-{i}",
                application(phone=f"1391234{i:04d}", contact_name=f"申请人{i}"),
                limit=3,
            )
            for i in range(first, first + count)
        ]
    finally:
        outbox.close()


def state(outbox: Outbox, key: str) -> OutboxState:
    found = outbox.get(key)
    assert found is not None
    return found.state


def desk(sql_backend: SqlCaseBackend, path: Path, keys: str) -> CaseDesk:
    outbox = Outbox(path, FieldCipher.from_keys(keys), clock=lambda: LATER)
    return CaseDesk(sql_backend, outbox, budget=5.0)


async def test_after_rotation_the_relay_delivers_what_was_queued_under_the_old_key(
    case_settings: CaseSettings, sql_backend: SqlCaseBackend
) -> None:
    old, new = case_settings.encryption_keys or "", new_key()
    queue(case_settings.outbox_path, old, 3)

    code, out, err = run(replace(case_settings, encryption_keys=f"{new},{old}"), "rotate-key")
    assert code == 0, err
    assert "3 份待提交的申请" in out
    assert "可以从 CASE_ENCRYPTION_KEY 中去掉旧密钥" in err

    relay = desk(sql_backend, case_settings.outbox_path, new)  # the old key is gone
    try:
        assert await relay.relay_once() == 3
        assert relay.outbox.pending_count() == 0
    finally:
        relay.outbox.close()
    assert sql_backend.count() == 3


async def test_a_row_no_key_can_read_is_set_aside_and_later_ones_are_delivered(
    case_settings: CaseSettings, sql_backend: SqlCaseBackend, caplog: pytest.LogCaptureFixture
) -> None:
    [lost] = queue(case_settings.outbox_path, new_key(), 1)  # a key nobody has any more
    current = case_settings.encryption_keys or ""
    queue(case_settings.outbox_path, current, 2, first=1)

    relay = desk(sql_backend, case_settings.outbox_path, current)
    try:
        with caplog.at_level(logging.WARNING):
            assert await relay.relay_once() == 2
        assert await relay.relay_once() == 0  # set aside: not tried again and again
        entry = relay.outbox.get(lost.key)
        assert entry is not None and entry.state is OutboxState.SET_ASIDE
        assert relay.outbox.pending_count() == 0
        assert await relay.news_for("conversation-0") == []
    finally:
        relay.outbox.close()
    assert sql_backend.count() == 2

    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(lost.reference in message for message in errors), errors
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for personal in ("13912340000", "申请人0", "王秀英"):
        assert personal not in logged

    code, out, err = run(case_settings, "outbox")
    assert code == 0, err
    assert lost.reference in out and "已搁置" in out and "无法解密" in out
    assert "已送达 2" in out


async def test_rotation_with_the_lost_key_found_again_brings_a_set_aside_row_back(
    case_settings: CaseSettings, sql_backend: SqlCaseBackend
) -> None:
    found_again = new_key()
    [entry] = queue(case_settings.outbox_path, found_again, 1)
    current = case_settings.encryption_keys or ""
    relay = desk(sql_backend, case_settings.outbox_path, current)
    try:
        assert await relay.relay_once() == 0
        assert state(relay.outbox, entry.key) is OutboxState.SET_ASIDE

        code, out, err = run(
            replace(case_settings, encryption_keys=f"{current},{found_again}"), "rotate-key"
        )
        assert code == 0, err
        assert "1 份此前搁置的申请已恢复" in out
        assert await relay.relay_once() == 1
    finally:
        relay.outbox.close()
    assert sql_backend.count() == 1


def test_rotation_changes_nothing_when_a_waiting_row_cannot_be_read(
    case_settings: CaseSettings, sql_backend: SqlCaseBackend
) -> None:
    old = case_settings.encryption_keys or ""
    [entry] = queue(case_settings.outbox_path, old, 1)
    wrong = f"{new_key()},{new_key()}"  # the old key was not given

    code, out, err = run(replace(case_settings, encryption_keys=wrong), "rotate-key")
    assert code == 1 and out == ""
    assert "待提交" in err and "未做任何更改" in err
    outbox = Outbox(case_settings.outbox_path, FieldCipher([old]))
    try:
        assert state(outbox, entry.key) is OutboxState.PENDING
        assert outbox.application(entry.key) is not None  # still readable with the old key
    finally:
        outbox.close()


def test_with_the_centres_own_case_system_rotation_covers_the_outbox(
    case_settings: CaseSettings,
) -> None:
    old, new = case_settings.encryption_keys or "", new_key()
    [entry] = queue(case_settings.outbox_path, old, 1)
    remote = replace(
        case_settings,
        backend="http",
        api_url="http://127.0.0.1:9",
        api_token="token",
        encryption_keys=f"{new},{old}",
    )
    code, out, err = run(remote, "rotate-key")
    assert code == 0, err
    assert "1 份待提交的申请" in out
    outbox = Outbox(case_settings.outbox_path, FieldCipher([new]))
    try:
        assert outbox.application(entry.key) == application(
            phone="13912340000", contact_name="申请人0"
        )
    finally:
        outbox.close()
