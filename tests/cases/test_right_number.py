"""The right's number (patent, trademark) is personal data: public registers name its holder.

Masked wherever a phone number is masked — the CLI's show (text and JSON), the
masked CSV export, the console's case view (it renders `views.case_fields`) —
and shown in full only with --unmask and a reason.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from cases.cli import main, views
from cases.right_number import mask_right_number
from cases.settings import CaseSettings
from cases.sql import SqlCaseBackend
from tests.cases.factories import application

PATENT = "202130123456.8"
ENV = {"USER": "tester"}


def run(settings: CaseSettings, *argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), env=ENV, settings=settings, stdout=out, stderr=err)
    return code, out.getvalue() + err.getvalue()


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        (PATENT, "2021********.8"),
        ("ZL202130123456.8", "ZL20**********.8"),
        ("CN202130123456", "CN20********56"),
        ("12345678", "******78"),  # a trademark registration number
        ("3456", "****"),
        (" 12345678 ", "******78"),
    ],
)
def test_the_mask_keeps_too_little_to_search_a_register(number: str, masked: str) -> None:
    assert mask_right_number(number) == masked


def test_the_case_view_masks_the_number_unless_unmasked(sql_backend: SqlCaseBackend) -> None:
    record = sql_backend.create_now(application(description=f"专利号 {PATENT} 被网店仿冒"), "k")
    masked = views.case_fields(record)
    assert masked["ip_number"] == "2021********.8"
    assert PATENT not in masked["description"] and "2021********.8" in masked["description"]
    assert PATENT not in json.dumps(views.case_json(record), ensure_ascii=False)
    full = views.case_fields(record, unmask=True)
    assert full["ip_number"] == PATENT and PATENT in full["description"]
    assert views.case_json(record, unmask=True)["application"]["ip_number"] == PATENT


def test_show_and_export_mask_the_number(
    case_settings: CaseSettings, sql_backend: SqlCaseBackend, tmp_path: Path
) -> None:
    number = sql_backend.create_now(application(), "k").case_number
    code, text = run(case_settings, "show", number)
    assert code == 0, text
    assert PATENT not in text and "2021********.8" in text
    code, text = run(case_settings, "show", number, "--json")
    assert code == 0 and PATENT not in text
    code, text = run(case_settings, "show", number, "--unmask", "--reason", "核对专利")
    assert code == 0 and PATENT in text

    masked_csv = tmp_path / "masked.csv"
    assert run(case_settings, "export", "--output", str(masked_csv))[0] == 0
    assert PATENT not in masked_csv.read_text(encoding="utf-8-sig")
    assert "2021********.8" in masked_csv.read_text(encoding="utf-8-sig")
    full_csv = tmp_path / "full.csv"
    command = ("export", "--output", str(full_csv), "--unmask", "--reason", "移交")
    assert run(case_settings, *command)[0] == 0
    assert PATENT in full_csv.read_text(encoding="utf-8-sig")
