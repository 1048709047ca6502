"""The REST channel the gateway talks to, with typed `/` commands screened.

Rasa reads a message that starts with `/` as an intent with confidence 1.0
and its JSON as entities: `/inform{"applicant_type": "individual"}` sets a
slot without any question being asked. Buttons send such payloads on
purpose; a person typing one must not get the same power. So a `/` message
is passed on as it is only when

* it is the payload of a button the bot offered in this conversation
  (the latest session of the tracker), or
* it is a bare command the channels send themselves — the WeChat menu and the
  widget's 转人工 button (`commands` in bot/credentials.yml) — which says no
  more than the words a person could type instead.

Anything else reaches Rasa with its slash made full-width, as plain words
for the NLU. The URL stays /webhooks/rest/webhook.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from rasa.core.channels.rest import RestInput
from rasa.shared.core.events import BotUttered
from sanic.request import Request

from bot import log_context

log = logging.getLogger(__name__)
COMMAND_PREFIX = "/"
DEFANGED_PREFIX = "／"  # full-width: no longer a command, still readable


class ScreenedRestInput(RestInput):
    """RestInput that accepts `/` payloads only when offered or listed."""

    def __init__(self, commands: Iterable[str] = ()) -> None:
        self.commands = frozenset(f"{COMMAND_PREFIX}{name}" for name in commands)

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> ScreenedRestInput:
        return cls(commands=(credentials or {}).get("commands") or ())

    async def _extract_sender(self, req: Request) -> str | None:
        # The first hook of every message: a new turn, nothing known about it yet.
        log_context.forget_conversation()
        sender = await super()._extract_sender(req)
        text = super()._extract_message(req)
        if isinstance(text, str) and text.startswith(COMMAND_PREFIX):
            offered = await self._offered(req, sender) if sender else frozenset()
            if text.strip() not in offered | self.commands:
                log.info("a typed '/' message was not an offered button: read as words")
                text = DEFANGED_PREFIX + text[len(COMMAND_PREFIX) :]
        req.ctx.screened_text = text
        return sender

    def _extract_message(self, req: Request) -> str | None:
        if hasattr(req.ctx, "screened_text"):
            return req.ctx.screened_text  # type: ignore[no-any-return]
        return super()._extract_message(req)

    @staticmethod
    async def _offered(req: Request, sender: str) -> frozenset[str]:
        """Payloads of the buttons the bot offered in the conversation's latest session."""
        tracker = await req.app.ctx.agent.tracker_store.retrieve(sender)
        if tracker is None:
            return frozenset()
        payloads = set()
        for event in tracker.events:
            if isinstance(event, BotUttered):
                for button in [*(event.data.get("buttons") or []),
                               *(event.data.get("quick_replies") or [])]:  # fmt: skip
                    if isinstance(button, dict) and isinstance(button.get("payload"), str):
                        payloads.add(button["payload"].strip())
        return frozenset(payloads)
