"""What an outbox row is: its states, its entry, the references people are told.

Shared by the outbox itself (cases/outbox.py), the relay (cases/desk.py) and
the operator's view of it (cases/outbox_admin.py).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from sqlite3 import Row

from cases.model import BEIJING, parse_time


class OutboxState(StrEnum):
    PENDING = "pending"  # written; the case system has not confirmed it yet
    DELIVERED = "delivered"  # the case system confirmed it; case_number set
    CONFLICT = "conflict"  # the key was already used for another application
    REJECTED = "rejected"  # the case system refused the application as invalid
    # No configured key can read the stored application (or it no longer
    # parses): the relay leaves it for the operator instead of stopping at it.
    # The encrypted payload is kept: with the lost key found again,
    # `python -m cases rotate-key` brings it back to PENDING.
    SET_ASIDE = "set_aside"


# The states after which the person is owed one last word (the number, or
# that it could not be recorded) and nothing is tried any more.
FINAL_STATES = tuple(
    state.value for state in (OutboxState.DELIVERED, OutboxState.CONFLICT, OutboxState.REJECTED)
)


@dataclass(frozen=True)
class OutboxEntry:
    key: str
    reference: str
    fingerprint: str
    state: OutboxState
    case_number: str | None
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None
    announced: bool
    last_error: str | None


def sender_digest(sender: str) -> str:
    """Conversation ids are already pseudonymous; hashed again they are only a key."""
    return hashlib.sha256(sender.encode("utf-8")).hexdigest()


def provisional_reference(moment: datetime) -> str:
    """`LS-20261121-7KQ4P2`: told to the person while the case system is away.

    LS = 临时; six characters without look-alikes, random rather than derived
    from the key so that it reveals nothing about it.
    """
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    tail = "".join(secrets.choice(alphabet) for _ in range(6))
    return f"LS-{moment.astimezone(BEIJING):%Y%m%d}-{tail}"


def iso(moment: datetime) -> str:
    """One fixed text form, so that comparing the texts compares the times."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _time(value: str | None) -> datetime | None:
    return None if value is None else parse_time(value)


def entry(row: Row) -> OutboxEntry:
    """The entry an `outbox` row holds (everything but the payload)."""
    return OutboxEntry(
        key=row["key"],
        reference=row["reference"],
        fingerprint=row["fingerprint"],
        state=OutboxState(row["state"]),
        case_number=row["case_number"],
        attempts=row["attempts"],
        created_at=parse_time(row["created_at"]),
        next_attempt_at=parse_time(row["next_attempt_at"]),
        delivered_at=_time(row["delivered_at"]),
        announced=bool(row["announced"]),
        last_error=row["last_error"],
    )
