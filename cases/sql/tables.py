"""The tables of the built-in case store, as the code reads and writes them.

The schema itself is made by the Alembic migrations in cases/sql/migrations;
a test checks that the two agree.

Personal columns (`*_enc`) hold Fernet tokens, never plain text. The
idempotency key is unique: that constraint, not a read-then-write in the code,
is what makes two concurrent submissions of one key a single row; the case
number is unique for the same reason (numbers are drawn at random).

`case_events` is the audit trail. A purged case keeps exactly one row here, its
tombstone: the number, kind `purged`, when, by whom, and no detail.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_number", String(32), nullable=False, unique=True),
    Column("idempotency_key", String(128), nullable=False, unique=True),
    Column("request_hash", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("applicant_type", String(32), nullable=False),
    Column("contact_name_enc", Text, nullable=False),
    Column("phone_enc", Text, nullable=False),
    Column("id_number_enc", Text),
    Column("organization_name", String(200)),
    Column("credit_code", String(18)),
    Column("ip_type", String(32)),
    Column("ip_number", String(64)),
    Column("issue_type", String(32)),
    Column("in_region", Boolean),
    Column("financial_hardship", Boolean),
    Column("description_enc", Text, nullable=False),
    Column("eligibility", JSON),
    Column("channel", String(16), nullable=False),
    Column("consent_at", DateTime, nullable=False),
    Column("created_at", DateTime, nullable=False, index=True),
    Column("updated_at", DateTime, nullable=False),
)

case_events = Table(
    "case_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_number", String(32), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("detail", JSON),
)
