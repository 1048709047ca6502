"""Notice the questions the bot had no basis to answer, on every channel.

The action server marks the reply with a custom payload {"type": "no_answer"}.
Before it did (and for a bot that still does not), the reply is recognised by
its shape: when the corpus holds nothing to answer from, `ActionAnswerPolicy._no_basis`
(actions/policy.py) says so in words and offers a person with exactly two
buttons, 转人工 (`/ask_human`) and 不用了 (`/deny`), and cites nothing. No
other reply of the bot pairs those two payloads (the eligibility offer pairs
`/apply_assistance` with `/deny`; the fallback and error replies offer
`/ask_human` alone), so that pair in a reply without citations is the
signal. The payloads are the dialogue's contract with every channel; the
wording is not, so the text is never matched.

`UnansweredRecorder` is a turn observer (connectors/observers.py): the Rasa
client tells it of every answered turn, from the web chat API and from WeChat
alike, and it stores the typed question of each reply that shows no basis. A
failure to store is logged and nothing else: the person's answer is never
held up or lost by it. The log names the conversation masked (`wx:oA***XyZ1`,
connectors/privacy.py), never the OpenID.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import Any

from aiohttp import web

from connectors.console.keys import UNANSWERED
from connectors.observers import Turn
from connectors.privacy import mask_sender

log = logging.getLogger(__name__)

NO_BASIS_PAYLOADS = frozenset({"/ask_human", "/deny"})
NO_ANSWER_TYPE = "no_answer"  # the marker actions/policy.py now sends with that reply


def _payloads(message: Any) -> set[str]:
    buttons = message.get("buttons") if isinstance(message, dict) else None
    if not isinstance(buttons, list):
        return set()
    return {
        b["payload"] for b in buttons if isinstance(b, dict) and isinstance(b.get("payload"), str)
    }


def _custom_type(message: Any) -> object:
    custom = message.get("custom") if isinstance(message, dict) else None
    return custom.get("type") if isinstance(custom, dict) else None


def _cites(message: Any) -> bool:
    """Citations folded into a chat message, or Rasa's own citations element."""
    folded = isinstance(message, dict) and bool(message.get("citations"))
    return folded or _custom_type(message) == "citations"


def shows_no_basis(messages: object) -> bool:
    """Whether bot messages (Rasa's or the chat API's) say "the documents hold no answer"."""
    if not isinstance(messages, list):
        return False
    if any(_custom_type(m) == NO_ANSWER_TYPE for m in messages):
        return True
    if any(_cites(m) for m in messages):
        return False
    return any(_payloads(m) >= NO_BASIS_PAYLOADS for m in messages)


def asked_question(text: str) -> str | None:
    """The person's typed question, stripped; None for a button press or blank text."""
    question = text.strip()
    if not question or question.startswith("/"):
        return None
    return question


class UnansweredRecorder:
    """The turn observer that stores each question the bot had no basis to answer.

    The store is looked up in the application on each turn, not kept: tests
    (and nothing else) replace it after the gateway is built.
    """

    def __init__(self, app: web.Application) -> None:
        self._app = app

    async def __call__(self, turn: Turn) -> None:
        if not shows_no_basis(list(turn.messages)):
            return
        question = asked_question(turn.text)
        if question is None:
            return
        try:
            await asyncio.to_thread(self._app[UNANSWERED].record, turn.sender_id, question)
        except (sqlite3.Error, OSError) as exc:
            log.warning("unanswered question not stored: %s: %s", type(exc).__name__, exc)
            return
        log.info(
            "unanswered question stored for %s (%s)", mask_sender(turn.sender_id), turn.channel
        )
