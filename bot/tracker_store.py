"""Rasa's SQL tracker store, made to keep personal data only as long as it is needed.

Loaded by Rasa from bot/endpoints.yml (`type: bot.tracker_store.PrivateSQLTrackerStore`),
on SQLite or PostgreSQL like Rasa's own `SQLTrackerStore`, which it extends:

* **Written protected.** Every new event passes bot/conversation_privacy.py
  before it is written: answers to the case form's personal questions as a
  placeholder, personal slot values sealed (Fernet), every other string with
  the known personal values and all phone, ID and credit-code numbers masked.
  Reading opens the sealed values again, so the form and a Rasa restart in
  the middle of an application lose nothing.
* **Forgotten when done.** When a turn clears the personal slots (the
  application was recorded, refused consent, stopped or failed), the whole
  conversation is rewritten with those values masked for good. A draft left
  for the deployment's `draft_minutes` is forgotten the same way.
* **Really replaced.** Rasa's own store treats "replace this conversation's
  events" (`PUT /conversations/{id}/tracker/events`, which the gateway sends
  to erase a conversation) as "append what is new", so an empty list erased
  nothing. Here, a tracker that does not continue the stored one replaces it:
  every old row is deleted first.
* **Kept for a while only.** Conversations quiet for the deployment's
  `retention_days` are deleted, checked every few minutes while Rasa runs
  (and by `python -m bot.conversations purge`).

The SQLite file is created readable by its owner only.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from bot import conversation_store, log_context
from bot.conversation_privacy import (
    ends_application,
    forget,
    masks_for,
    open_events,
    protect,
    replay,
)
from bot.conversation_settings import ConversationSettings

log = logging.getLogger(__name__)
DAY = 86400.0


class PrivateSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that seals, forgets, really replaces and purges."""

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        settings: ConversationSettings | None = None,
        **kwargs: Any,
    ) -> None:
        if host and "://" in host:
            conversation_store.owner_only(host)
        super().__init__(domain=domain, host=host, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # Deleted and rewritten rows are zeroed in the file, not left in free pages.
            sa.event.listen(self.engine, "connect", _secure_delete)
            self.engine.dispose()  # connections opened before the listener go
        self.settings = settings or ConversationSettings.from_env()
        self.cipher = self.settings.cipher
        self._next_sweep = 0.0
        log.info(
            "conversation store: kept %d days after the last message; "
            "an application idle for %d minutes is forgotten",
            self.settings.retention_days,
            self.settings.draft_minutes,
        )

    # -- reading ----------------------------------------------------------------

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        with self.session_scope() as session:
            rows = self._event_query(
                session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions
            ).all()
            events = open_events([json.loads(row.data) for row in rows], self.cipher)
        progress = replay(events)
        log_context.note_conversation(masks_for(progress.values), progress.application_open)
        if not (self.domain and events):
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    # -- writing ----------------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        events = list(tracker.events)
        with self.session_scope() as session:
            stored = self._stored_stamps(session, tracker.sender_id)
            continues = _continues(stored, events)
            if not continues:
                session.query(self.SQLEvent).filter(
                    self.SQLEvent.sender_id == tracker.sender_id
                ).delete(synchronize_session=False)
            done = len(stored) if continues else 0
            before = replay(event.as_dict() for event in events[:done])
            new = [event.as_dict() for event in events[done:]]
            self._add(session, tracker.sender_id, events[done:], protect(new, before, self.cipher))
            session.commit()
        if not continues and stored:
            log.info("conversation replaced: %d earlier events deleted", len(stored))
        if ends_application(new, before):  # `before` is now past the new events
            self._forget(tracker.sender_id)
        self._sweep_if_due()

    def _stored_stamps(self, session: Any, sender_id: str) -> list[tuple]:
        """(type, timestamp) of the stored events of the latest session, in order."""
        query = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
        return [(row.type_name, row.timestamp) for row in query]

    def _add(
        self, session: Any, sender_id: str, events: list[Event], data: list[dict[str, Any]]
    ) -> None:
        for event, written in zip(events, data, strict=True):
            intent = (written.get("parse_data") or {}).get("intent") or {}
            session.add(
                self.SQLEvent(
                    sender_id=sender_id,
                    type_name=event.type_name,
                    timestamp=written.get("timestamp"),
                    intent_name=intent.get("name"),
                    action_name=written.get("name"),
                    data=json.dumps(written),
                )
            )

    # -- forgetting -------------------------------------------------------------

    def _forget(self, sender_id: str) -> None:
        changed = conversation_store.rewrite_conversation(
            self.engine, sender_id, lambda events: forget(events, self.cipher)
        )
        log.info("application data in a conversation masked for good (%d events)", changed)

    def _sweep_if_due(self) -> None:
        now = time.time()
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.settings.sweep_seconds
        try:
            self.sweep(now)
        except sa.exc.SQLAlchemyError as exc:  # the turn is saved; the sweep retries later
            log.warning("conversation sweep failed: %s", type(exc).__name__)

    def sweep(self, now: float) -> None:
        """Forget idle drafts, delete conversations past retention."""
        drafts = conversation_store.idle_drafts(self.engine, now - self.settings.draft_minutes * 60)
        for sender_id in drafts:
            self._forget(sender_id)
        purged = conversation_store.purge_conversations(
            self.engine, now - self.settings.retention_days * DAY
        )
        if drafts or purged:
            log.info(
                "sweep: %d idle applications forgotten, %d conversations deleted",
                len(drafts),
                purged,
            )


def _continues(stored: list[tuple], events: list[Event]) -> bool:
    """Whether `events` carry on from the stored ones (a turn), or replace them."""
    if len(events) < len(stored):
        return False
    return all(
        (event.type_name, event.timestamp) == stamp
        for event, stamp in zip(events, stored, strict=False)
    )


def _secure_delete(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA secure_delete = ON")
    cursor.close()
