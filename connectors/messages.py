"""From Rasa's REST channel output to the chat API's messages.

Rasa's REST channel (rasa/core/channels/rest.py, `CollectingOutputChannel`)
answers with one list element per thing the bot "said"; a custom payload
arrives as its own element after the text it belongs to. The chat API in
DESIGN.md promises `[{"text", "buttons"?, "citations"?, "custom"?}]`, so this
module folds each custom element into the message before it:

* a `{"type": "citations", "citations": [...]}` payload fills that message's
  `citations` (the widget renders sources, not raw JSON);
* every other payload (form_question, eligibility_result, handoff, and types
  not invented yet) stays as `custom`, so a new payload type never breaks the
  gateway;
* a slot already taken starts a new message with empty text rather than
  overwrite anything.

Rasa's `recipient_id` is dropped (the client knows its own session), buttons
keep only title and payload, and an empty answer becomes the busy text: a
person is never left with silence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, NotRequired, TypedDict, cast

log = logging.getLogger(__name__)


class RasaButton(TypedDict, total=False):
    """A button as Rasa sends it; `payload` is usually "/intent{...}"."""

    title: str
    payload: str


class RasaMessage(TypedDict, total=False):
    """One element of the REST channel's answer list."""

    recipient_id: str
    text: str
    buttons: list[RasaButton]
    image: str
    attachment: Any
    custom: Any


class Button(TypedDict):
    """A button the client shows; sending `payload` as text presses it."""

    title: str
    payload: str


class Citation(TypedDict, total=False):
    """A source an answer rests on, as the action server sends it (see knowledge search)."""

    doc_id: str
    title: str
    doc_number: str
    section: str
    text: str


class ChatMessage(TypedDict):
    """One message of the chat API's answer."""

    text: str
    buttons: NotRequired[list[Button]]
    citations: NotRequired[list[Citation]]
    custom: NotRequired[dict[str, Any]]


class ChatReply(TypedDict):
    """The chat API's answer: the conversation to send back next time, and the messages."""

    session_id: str
    messages: list[ChatMessage]


# A placer puts one custom payload into the reply; it returns False when the
# payload does not fit its type, and the payload is then kept as plain custom.
Placer = Callable[[list[ChatMessage], dict[str, Any]], bool]


def busy_reply(busy_text: str) -> list[ChatMessage]:
    """The one message a person gets when Rasa cannot answer."""
    return [{"text": busy_text}]


def to_chat_messages(raw: list[RasaMessage], busy_text: str) -> list[ChatMessage]:
    """Fold Rasa's REST output into the chat API's messages.

    Args:
        raw: the JSON list the REST webhook returned (elements already known to be objects).
        busy_text: what to answer when Rasa said nothing usable.

    Returns:
        At least one message.
    """
    reply: list[ChatMessage] = []
    for element in raw:
        text = element.get("text")
        if isinstance(text, str):
            message: ChatMessage = {"text": text}
            buttons = _buttons(element.get("buttons"))
            if buttons:
                message["buttons"] = buttons
            reply.append(message)
        for payload in _payloads(element):
            placer = _PLACERS.get(str(payload.get("type")), _place_custom)
            if not placer(reply, payload):
                _place_custom(reply, payload)
    return reply or busy_reply(busy_text)


def _payloads(element: RasaMessage) -> list[dict[str, Any]]:
    """The custom-like parts of one element; images and attachments become custom too."""
    payloads: list[dict[str, Any]] = []
    if "custom" in element:
        custom = element["custom"]
        if isinstance(custom, dict):
            payloads.append(custom)
        else:  # Rasa allows any JSON here; keep it, typed, instead of crashing
            log.warning("custom payload is a %s, kept as type unknown", type(custom).__name__)
            payloads.append({"type": "unknown", "data": custom})
    if isinstance(element.get("image"), str):
        payloads.append({"type": "image", "url": element["image"]})
    if "attachment" in element:
        payloads.append({"type": "attachment", "data": element["attachment"]})
    return payloads


def _buttons(raw: object) -> list[Button]:
    """Title and payload of each well-formed button; anything else is dropped."""
    if not isinstance(raw, list):
        return []
    buttons: list[Button] = []
    for item in raw:
        if (
            isinstance(item, Mapping)
            and isinstance(item.get("title"), str)
            and isinstance(item.get("payload"), str)
        ):
            buttons.append({"title": item["title"], "payload": item["payload"]})
        else:
            log.warning("dropped a malformed button from Rasa's answer")
    return buttons


def _target(reply: list[ChatMessage], slot: str) -> ChatMessage:
    """The message a payload belongs to: the last one if `slot` is free, else a new one."""
    if reply and slot not in reply[-1]:
        return reply[-1]
    message: ChatMessage = {"text": ""}
    reply.append(message)
    return message


def _place_custom(reply: list[ChatMessage], payload: dict[str, Any]) -> bool:
    _target(reply, "custom")["custom"] = payload
    return True


def _place_citations(reply: list[ChatMessage], payload: dict[str, Any]) -> bool:
    citations = payload.get("citations")
    if not isinstance(citations, list) or not all(isinstance(c, dict) for c in citations):
        log.warning("citations payload is malformed, kept as custom")
        return False
    if citations:  # an empty list cites nothing; a message without sources says it better
        _target(reply, "citations")["citations"] = cast(list[Citation], citations)
    return True


# The registry of payload types with their own place in a message; every type
# not listed falls back to `custom`.
_PLACERS: dict[str, Placer] = {"citations": _place_citations}
