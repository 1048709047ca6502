"""The masked case view and the masked CSV export hide numbers in every typed shape.

A person describes their case in their own words, and puts a phone or ID
number in it the way they write it. The masked views run that text through
`redact`, which must read those shapes as the validators do.
"""

from __future__ import annotations

import os

import pytest

from cases.cli import views
from cases.cli.export import row
from cases.sql import SqlCaseBackend
from cases.validation import compact_number
from tests.cases.factories import application

TYPED = [
    ("138.1234.5678", "13812345678"),
    ("138 1234-5678", "13812345678"),
    ("(138)1234-5678", "13812345678"),
    ("138—1234—5678", "13812345678"),
    ("１３８１２３４５６７８", "13812345678"),
    ("①③⑧①②③④⑤⑥⑦⑧", "13812345678"),
    ("370402 19900101 1238", "370402199001011238"),
]


@pytest.mark.parametrize(("typed", "number"), TYPED)
def test_masked_view_and_export_hide_the_number(
    sql_backend: SqlCaseBackend, typed: str, number: str
) -> None:
    description = f"对方一直仿冒我们的产品，有事请打{typed}，谢谢。"
    record = sql_backend.create_now(application(description=description), os.urandom(8).hex())
    shown = views.case_fields(record)["description"]
    exported = " ".join(row(record, unmask=False))
    for text in (shown, exported, views.case_json(record)["application"]["description"]):
        assert number not in compact_number(text), text
        assert text.startswith("对方一直仿冒我们的产品") or "对方一直仿冒" in text
    # The full text is still there for an agent who unmasks with a reason.
    assert views.case_fields(record, unmask=True)["description"] == description
