"""Random case numbers (the per-year counter goes); purged cases keep only their tombstone.

Stores purged by earlier code still hold the audit trail of every purged
case — staff notes and unmask reasons that quote names and numbers. This
revision deletes those entries, keeping each `purged` tombstone and every
entry of a number that still has a case.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "DELETE FROM case_events WHERE kind <> 'purged'"
        " AND case_number IN (SELECT case_number FROM case_events WHERE kind = 'purged')"
        " AND case_number NOT IN (SELECT case_number FROM cases)"
    )
    op.drop_table("case_counters")


def downgrade() -> None:
    # The counter comes back above the highest number issued in each year, so
    # the older code counts on from there without meeting a random number.
    op.create_table(
        "case_counters",
        sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last", sa.Integer, nullable=False),
    )
    bind = op.get_bind()
    highest: dict[int, int] = {}
    numbers = bind.execute(sa.text("SELECT case_number FROM case_events"))
    for (number,) in numbers:
        parts = str(number).rsplit("-", 2)
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            year, serial = int(parts[1]), int(parts[2])
            highest[year] = max(highest.get(year, 0), serial)
    for year, last in sorted(highest.items()):
        bind.execute(
            sa.text("INSERT INTO case_counters (year, last) VALUES (:year, :last)"),
            {"year": year, "last": last},
        )
