"""What of a conversation may be written down, and how it is forgotten.

Rasa keeps every event of a conversation: what the person typed, what the
bot said, every slot. During an application that includes a name, a phone
and ID number and the person's own account of their case. This module
decides, event by event, what the tracker store (bot/tracker_store.py) may
write, on plain event dictionaries as Rasa serialises them:

* an answer to a personal question of the case form (cases/personal_slots.py)
  is written as a placeholder ("〔联系人姓名已删除〕"), never as typed;
* the value of a personal slot is written sealed (encrypted): the form needs
  it again on the next turn, and a Rasa restart must not lose it;
* every other string is written with the personal values known so far masked
  (the summary repeats the name) and phone, ID and credit-code numbers
  masked wherever they appear (`cases.privacy.redact`).

When the application is recorded or abandoned, `forget` turns the sealed
values into masked ones, after which nothing of the application can be read
back, with or without the key. `open_events` unseals for Rasa; a value
forgotten or sealed under a lost key comes back as no value at all.

No Rasa import: the same code serves Rasa's process and the command line.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from cases.personal_slots import PERSONAL_SLOTS, SENSITIVE_QUESTIONS
from cases.privacy import redact

log = logging.getLogger(__name__)

SEALED = "__sealed__"  # {"__sealed__": "<Fernet token>"}: a value kept encrypted
FORGOTTEN = "__forgotten__"  # {"__forgotten__": "138****5678"}: a value that is gone
# Keys whose strings are names of things (events, slots, actions), never what
# a person said; they are written as they are.
_STRUCTURAL = frozenset({"event", "name", "policy", "entity", "extractor", "input_channel"})
# The summary repeats the first part of a long description: such a value is
# also found from its first characters on.
_EXCERPT_PROBE = 16
_MIN_KNOWN = 2  # a one-character value would mask half the bot's sentences


class Cipher(Protocol):
    def encrypt(self, value: str) -> str | None: ...

    def decrypt(self, token: str) -> str | None: ...


def is_sealed(value: object) -> bool:
    return isinstance(value, dict) and isinstance(value.get(SEALED), str)


def is_forgotten(value: object) -> bool:
    return isinstance(value, dict) and FORGOTTEN in value


@dataclass
class Progress:
    """Where a conversation stands, as far as protecting it is concerned."""

    requested_slot: str | None = None
    values: dict[str, str] = field(default_factory=dict)  # personal slot -> plain value

    def after(self, event: Mapping[str, Any]) -> None:
        """Move past one (plain, unsealed) event."""
        kind = event.get("event")
        if kind == "slot":
            name, value = event.get("name"), event.get("value")
            if name == "requested_slot":
                self.requested_slot = value if isinstance(value, str) else None
            elif name in PERSONAL_SLOTS:
                if isinstance(value, str) and value:
                    self.values[name] = value
                else:
                    self.values.pop(name, None)
        elif kind in ("restart", "reset_slots"):
            self.requested_slot = None
            self.values.clear()
        elif kind == "active_loop" and event.get("name") is None:
            self.requested_slot = None

    @property
    def answering(self) -> str | None:
        """The label of the personal question the next message answers, if any."""
        return SENSITIVE_QUESTIONS.get(self.requested_slot or "")

    @property
    def application_open(self) -> bool:
        return bool(self.values) or self.answering is not None


def replay(events: Iterable[Mapping[str, Any]]) -> Progress:
    progress = Progress()
    for event in events:
        progress.after(event)
    return progress


def masks_for(values: Mapping[str, str]) -> dict[str, str]:
    """Each known personal value and what it is shown as once masked."""
    return {
        value: PERSONAL_SLOTS[slot].mask(value)
        for slot, value in values.items()
        if slot in PERSONAL_SLOTS and len(value.strip()) >= _MIN_KNOWN
    }


def mask_known(text: str, known: Mapping[str, str]) -> str:
    """`text` with every known personal value (or the start of a long one) masked,
    and every phone, ID and credit-code number masked."""
    for value, masked in sorted(known.items(), key=lambda item: -len(item[0])):
        if value in text:
            text = text.replace(value, masked)
        elif len(value) > _EXCERPT_PROBE and value[:_EXCERPT_PROBE] in text:
            text = _mask_excerpts(text, value, masked)
    return redact(text)


def _mask_excerpts(text: str, value: str, masked: str) -> str:
    """Mask each place where `text` repeats the beginning of `value`."""
    out, position = [], 0
    while (start := text.find(value[:_EXCERPT_PROBE], position)) != -1:
        end = start + _EXCERPT_PROBE
        while end < len(text) and end - start < len(value) and text[end] == value[end - start]:
            end += 1
        out += [text[position:start], masked]
        position = end
    return "".join(out) + text[position:]


def _map_strings(data: Any, change: Callable[[str], str], key: str | None = None) -> Any:
    if isinstance(data, str):
        return data if key in _STRUCTURAL else change(data)
    if isinstance(data, list):
        return [_map_strings(item, change, key) for item in data]
    if isinstance(data, dict):
        return {k: _map_strings(v, change, k) for k, v in data.items()}
    return data


def _placeholder_answer(event: dict[str, Any], label: str) -> dict[str, Any]:
    """A user event answering a personal question, with nothing of the answer left."""
    removed = f"〔{label}已删除〕"
    event["text"] = removed
    parse = event.get("parse_data")
    if isinstance(parse, dict):
        parse["text"] = removed
        # Entity names stay (the dialogue policy reads them), their values go.
        for entity in parse.get("entities") or []:
            if isinstance(entity, dict):
                entity.pop("text", None)
                if "value" in entity:
                    entity["value"] = removed
    return event


def protect(
    events: Iterable[Mapping[str, Any]], before: Progress, cipher: Cipher
) -> list[dict[str, Any]]:
    """New events as they may be written, given where the conversation stood.

    `before` is moved past the events (with their plain values), so the
    caller can tell afterwards whether an application is still open.
    """
    written = []
    for original in events:
        event = copy.deepcopy(dict(original))
        kind, label = event.get("event"), before.answering
        if kind == "user" and label is not None:
            event = _placeholder_answer(event, label)
        elif kind == "slot" and event.get("name") in PERSONAL_SLOTS:
            value = event.get("value")
            if isinstance(value, str) and value:
                event["value"] = {SEALED: cipher.encrypt(value)}
        else:
            known = masks_for(before.values)
            event = _map_strings(event, lambda text, known=known: mask_known(text, known))
        written.append(event)
        before.after(original)
    return written


def open_events(events: Iterable[dict[str, Any]], cipher: Cipher) -> list[dict[str, Any]]:
    """Stored events as Rasa reads them: sealed values opened, forgotten ones gone."""
    opened = []
    for event in events:
        value = event.get("value") if event.get("event") == "slot" else None
        if is_sealed(value):
            event = {**event, "value": _unseal(value[SEALED], cipher)}
        elif is_forgotten(value):
            event = {**event, "value": None}
        opened.append(event)
    return opened


def _unseal(token: str, cipher: Cipher) -> str | None:
    try:
        return cipher.decrypt(token)
    except Exception as exc:  # a lost or rotated-away key: the value is gone, say so
        log.warning("a sealed slot value cannot be opened: %s", type(exc).__name__)
        return None


def forget(events: list[dict[str, Any]], cipher: Cipher) -> list[dict[str, Any]]:
    """The conversation with every personal value masked for good.

    Sealed values become masked ones; every string in every event is masked
    again with all the values the conversation ever held (a name typed in
    the first message, before the form asked for it).
    """
    values: dict[str, str] = {}
    for event in events:
        value = event.get("value") if event.get("event") == "slot" else None
        if event.get("name") in PERSONAL_SLOTS and is_sealed(value):
            plain = _unseal(value[SEALED], cipher)
            if plain:
                values.setdefault(plain, event["name"])
    known = {
        value: PERSONAL_SLOTS[slot].mask(value)
        for value, slot in values.items()
        if len(value.strip()) >= _MIN_KNOWN
    }
    forgotten = []
    for event in events:
        value = event.get("value") if event.get("event") == "slot" else None
        if is_sealed(value):
            plain = _unseal(value[SEALED], cipher)
            slot = PERSONAL_SLOTS.get(str(event.get("name")))
            shown = slot.mask(plain) if plain and slot else "〔已删除〕"
            forgotten.append({**event, "value": {FORGOTTEN: shown}})
        else:
            forgotten.append(_map_strings(event, lambda text: mask_known(text, known)))
    return forgotten


def ends_application(events: Iterable[Mapping[str, Any]], after: Progress) -> bool:
    """Whether these new events end an application: they clear a personal slot (or
    every slot) and no personal value is left — it was recorded, or abandoned (no
    consent, stopped, failed). A refused answer clears only its own slot while
    the others still hold theirs: the application goes on."""
    clears = any(
        (
            event.get("event") == "slot"
            and event.get("name") in PERSONAL_SLOTS
            and event.get("value") is None
        )
        or event.get("event") in ("restart", "reset_slots")
        for event in events
    )
    return clears and not after.values
