"""A purge reaches the outbox too: no row there still ties a purged case to its sender.

A delivered outbox row keeps the case number, the hashed conversation and the
keyed digest of the phone number (for the daily limit). Once the case is
purged, or the row is older than the retention period, it serves nothing.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from cases.cli import main
from cases.crypto import FieldCipher
from cases.desk import CaseDesk, Submitted
from cases.model import CaseStatus, utc_now
from cases.outbox import Outbox
from cases.settings import CaseSettings
from cases.sql import SqlCaseBackend
from tests.cases.factories import application


async def test_purging_a_case_removes_its_outbox_row(
    case_settings: CaseSettings, sql_backend: SqlCaseBackend
) -> None:
    cipher = FieldCipher.from_keys(case_settings.encryption_keys or "")
    outbox = Outbox(case_settings.outbox_path, cipher)
    # Written later, within the retention period of the purge below.
    later = Outbox(case_settings.outbox_path, cipher, clock=lambda: utc_now() + timedelta(days=1.5))
    try:
        desk = CaseDesk(sql_backend, outbox, budget=5.0)
        done = await desk.submit(application(), key="gone", sender="conversation-a")
        kept = await CaseDesk(sql_backend, later, budget=5.0).submit(
            application(phone="13811112222"), key="kept", sender="conversation-b"
        )
        assert isinstance(done, Submitted) and isinstance(kept, Submitted)
        sql_backend.update_status_now(done.case_number, CaseStatus.WITHDRAWN)

        out, err = io.StringIO(), io.StringIO()
        code = main(
            ["purge", "--retention-days", "1", "--yes"],
            env={"USER": "tester"},
            settings=case_settings,
            stdout=out,
            stderr=err,
            clock=lambda: utc_now() + timedelta(days=2),
        )
        assert code == 0, err.getvalue()
        assert "待提交箱" in out.getvalue()
        assert outbox.get("gone") is None
        assert outbox.by_reference(done.reference) is None
        assert outbox.get("kept") is not None  # recent, and its case is still open
    finally:
        outbox.close()
        later.close()


def test_settled_outbox_rows_past_retention_go_waiting_ones_stay(
    case_settings: CaseSettings, sql_backend: SqlCaseBackend
) -> None:
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    cipher = FieldCipher.from_keys(case_settings.encryption_keys or "")
    old = Outbox(case_settings.outbox_path, cipher, clock=lambda: long_ago)
    try:
        old.add("settled", "conversation-a", application(), limit=3)
        old.delivered("settled", "WQ-2020-004217", announced=True)
        old.add("waiting", "conversation-b", application(phone="13811112222"), limit=3)
    finally:
        old.close()

    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["purge", "--retention-days", "30", "--yes"],
        env={"USER": "tester"},
        settings=case_settings,
        stdout=out,
        stderr=err,
    )
    assert code == 0, err.getvalue()
    outbox = Outbox(case_settings.outbox_path, cipher)
    try:
        assert outbox.get("settled") is None
        assert outbox.get("waiting") is not None  # never given up on
    finally:
        outbox.close()
