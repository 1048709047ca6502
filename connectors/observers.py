"""Listeners told of every turn Rasa answered, whichever channel it came in by.

The web chat API and the WeChat webhook both talk to Rasa through
`RasaClient.send`; a listener registered on the application (`TURN_OBSERVERS`,
filled while the gateway is set up) is awaited after each answered turn with
what the person sent and what the bot said, before the channel renders it.
The console uses this to keep the questions the bot had no basis to answer,
from the widget and from WeChat alike, without either channel knowing.

A listener must be quick and must not raise; `RasaClient` logs and swallows
anything one raises anyway, so a listener can never cost a person the answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from connectors.messages import RasaMessage


@dataclass(frozen=True)
class Turn:
    """One message a person sent and what Rasa answered to it."""

    channel: str  # "web", "wechat", … (the metadata's "channel")
    sender_id: str  # the conversation id the gateway chose ("web:…", "wx:<OpenID>")
    text: str  # as sent to Rasa: typed text, or a button's "/intent…" payload
    messages: Sequence[RasaMessage]  # Rasa's answer, as it came


TurnObserver = Callable[[Turn], Awaitable[None]]
