"""Case records, the per-year case-number counter and the audit trail.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_number", sa.String(32), nullable=False, unique=True),
        sa.Column("idempotency_key", sa.String(128), nullable=False, unique=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("applicant_type", sa.String(32), nullable=False),
        sa.Column("contact_name_enc", sa.Text, nullable=False),
        sa.Column("phone_enc", sa.Text, nullable=False),
        sa.Column("id_number_enc", sa.Text),
        sa.Column("organization_name", sa.String(200)),
        sa.Column("credit_code", sa.String(18)),
        sa.Column("ip_type", sa.String(32)),
        sa.Column("ip_number", sa.String(64)),
        sa.Column("issue_type", sa.String(32)),
        sa.Column("in_region", sa.Boolean),
        sa.Column("financial_hardship", sa.Boolean),
        sa.Column("description_enc", sa.Text, nullable=False),
        sa.Column("eligibility", sa.JSON),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("consent_at", sa.DateTime, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_cases_created_at", "cases", ["created_at"])
    op.create_table(
        "case_counters",
        sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last", sa.Integer, nullable=False),
    )
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_number", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("detail", sa.JSON),
    )
    op.create_index("ix_case_events_case_number", "case_events", ["case_number"])


def downgrade() -> None:
    op.drop_index("ix_case_events_case_number", table_name="case_events")
    op.drop_table("case_events")
    op.drop_table("case_counters")
    op.drop_index("ix_cases_created_at", table_name="cases")
    op.drop_table("cases")
