"""Rasa's logs for a conversation that holds an application's personal data.

The number redaction (cases/privacy.py) masks phone, ID and credit-code
numbers in every log line, but a name or a description has no shape to find.
Rasa's debug logs print every message, slot and event. So, per turn:

* the tracker store, on retrieving a conversation, tells this module the
  personal values it holds and whether an application is open;
* while one is open, that turn's DEBUG records are not written at all (the
  person is typing a name, a number, their story);
* in every record of the turn, the known personal values are masked.

A turn is one request handled by Sanic; a context variable carries the
knowledge through everything the request awaits, and no further.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextvars import ContextVar

from bot.conversation_privacy import mask_known
from cases.privacy import RedactingFilter

_KNOWN: ContextVar[Mapping[str, str] | None] = ContextVar("personal_values", default=None)
_OPEN: ContextVar[bool] = ContextVar("application_open", default=False)


def note_conversation(known: Mapping[str, str], application_open: bool) -> None:
    """What the conversation being handled holds (called by the tracker store)."""
    _KNOWN.set(dict(known))
    _OPEN.set(application_open)


def forget_conversation() -> None:
    """A new turn begins: nothing is known about it yet."""
    _KNOWN.set(None)
    _OPEN.set(False)


class ConversationRedactingFilter(RedactingFilter):
    """The number redaction, plus the conversation's own personal values.

    Drops DEBUG records while an application is open; never drops others.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if _OPEN.get() and record.levelno < logging.INFO:
            return False
        known = _KNOWN.get()
        if known:
            try:
                message = record.getMessage()
            except Exception:  # a bad format string: the redaction below flattens it
                message = None
            if message is not None:
                masked = mask_known(message, known)
                if masked != message:
                    record.msg, record.args = masked, ()
        return super().filter(record)
