"""The SQL under Rasa's conversation store: delete, purge and rewrite conversations.

Rasa's SQLTrackerStore keeps one row per event in the table `events`
(sender_id, type_name, timestamp, intent_name, action_name, data as JSON).
It only ever appends. Deleting a conversation, removing those past the
retention period and masking an application's data for good are done here,
with SQL that SQLAlchemy 1.4 (Rasa's environment) and 2.0 (the command line)
both run, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bot.conversation_privacy import SEALED
from cases.files import private_sqlite

Events = list[dict[str, Any]]


def delete_conversation(engine: sa.engine.Engine, sender_id: str) -> int:
    """Delete every event of one conversation, in every session; how many went."""
    with engine.begin() as connection:
        result = connection.execute(
            sa.text("DELETE FROM events WHERE sender_id = :sender"), {"sender": sender_id}
        )
    return int(result.rowcount or 0)


def stale_conversations(engine: sa.engine.Engine, before: float) -> list[str]:
    """Conversations whose last event is older than `before` (epoch seconds)."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :before"
            ),
            {"before": before},
        )
        return sorted(str(row[0]) for row in rows)


def purge_conversations(engine: sa.engine.Engine, before: float) -> int:
    """Delete the conversations whose last event is older than `before`; how many."""
    senders = stale_conversations(engine, before)
    for sender in senders:
        delete_conversation(engine, sender)
    return len(senders)


def idle_drafts(engine: sa.engine.Engine, before: float) -> list[str]:
    """Conversations holding sealed application data, quiet since before `before`."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT sender_id FROM events GROUP BY sender_id "
                "HAVING MAX(timestamp) < :before AND SUM(CASE WHEN type_name = 'slot' "
                "AND data LIKE :sealed THEN 1 ELSE 0 END) > 0"
            ),
            {"before": before, "sealed": f'%"{SEALED}"%'},
        )
        return sorted(str(row[0]) for row in rows)


def rewrite_conversation(
    engine: sa.engine.Engine, sender_id: str, change: Callable[[Events], Events]
) -> int:
    """Replace the stored data of a conversation's events by `change` of them.

    Rows keep their ids, order and count: Rasa appends by counting the rows
    it has, so a rewrite never adds or removes one. Returns how many changed.
    """
    with engine.begin() as connection:
        rows = connection.execute(
            sa.text("SELECT id, data FROM events WHERE sender_id = :sender ORDER BY id"),
            {"sender": sender_id},
        ).fetchall()
        before = [json.loads(row[1]) for row in rows]
        after = change(before)
        changed = 0
        for row, old, new in zip(rows, before, after, strict=True):
            if new != old:
                connection.execute(
                    sa.text("UPDATE events SET data = :data WHERE id = :id"),
                    {"data": json.dumps(new), "id": row[0]},
                )
                changed += 1
    return changed


def owner_only(url: str) -> None:
    """A SQLite database file readable by its owner only (created so if absent)."""
    database = sa.engine.make_url(url).database
    if url.startswith("sqlite") and database and database != ":memory:":
        private_sqlite(Path(database))
