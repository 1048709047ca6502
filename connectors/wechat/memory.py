"""What the channel remembers about each person between messages, in memory, bounded.

Three small things, each keyed by OpenID and each capped, so a flood of new
followers costs a fixed amount of memory (the least recently used person is
forgotten first):

* the last numbered options offered, so that replying "2" presses option 2;
* texts the customer-service API refused for good (45015/45047), prepended to
  the person's next passive reply instead of being lost;
* a transfer to customer service that was due when only `success` could be
  answered: the person's next message is transferred.

It lives in one process: after a restart a person may have to type an option
out instead of its number, and an undelivered text is lost (the log says so).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

from connectors.messages import Button
from connectors.wechat.plaintext import utf8_len

V = TypeVar("V")

MAX_PEOPLE = 10_000
MAX_UNDELIVERED_BYTES = 8_000  # a few answers; older text beyond this is dropped


class _Lru(Generic[V]):
    """A dict that forgets its least recently used key past `limit` entries."""

    def __init__(self, limit: int) -> None:
        self._items: OrderedDict[str, V] = OrderedDict()
        self._limit = limit

    def __len__(self) -> int:
        return len(self._items)

    def put(self, key: str, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self._limit:
            self._items.popitem(last=False)

    def get(self, key: str) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def pop(self, key: str) -> V | None:
        return self._items.pop(key, None)


class PersonMemory:
    """Per-person state of the channel; `forget` drops all of one person's."""

    def __init__(self, max_people: int = MAX_PEOPLE) -> None:
        self._buttons: _Lru[list[Button]] = _Lru(max_people)
        self._undelivered: _Lru[list[str]] = _Lru(max_people)
        self._transfer: _Lru[bool] = _Lru(max_people)

    def offer(self, openid: str, buttons: list[Button]) -> None:
        """Remember the options just offered; an answer without options clears them."""
        if buttons:
            self._buttons.put(openid, list(buttons))
        else:
            self._buttons.pop(openid)

    def choice(self, openid: str, text: str) -> str | None:
        """The payload of the option whose number `text` is, if it is one.

        Full-width digits count: Chinese input methods often type "２".
        """
        buttons = self._buttons.get(openid)
        number = text.strip()
        if buttons and number.isdecimal() and 1 <= int(number) <= len(buttons):
            return buttons[int(number) - 1]["payload"]
        return None

    def keep_undelivered(self, openid: str, texts: list[str]) -> int:
        """Keep texts that could not be sent, after any kept before.

        Returns:
            How many UTF-8 bytes of older kept text were dropped to stay under the cap.
        """
        kept = (self._undelivered.get(openid) or []) + [t for t in texts if t]
        dropped = 0
        while len(kept) > 1 and sum(utf8_len(t) for t in kept) > MAX_UNDELIVERED_BYTES:
            dropped += utf8_len(kept.pop(0))
        if kept:
            self._undelivered.put(openid, kept)
        return dropped

    def take_undelivered(self, openid: str) -> list[str]:
        """The kept texts, oldest first, now handed over (and forgotten here)."""
        return self._undelivered.pop(openid) or []

    def owe_transfer(self, openid: str) -> None:
        self._transfer.put(openid, True)

    def take_transfer(self, openid: str) -> bool:
        return bool(self._transfer.pop(openid))

    def forget(self, openid: str) -> None:
        """Drop everything remembered about one person (they unfollowed)."""
        self._buttons.pop(openid)
        self._undelivered.pop(openid)
        self._transfer.pop(openid)

    def knows(self, openid: str) -> bool:
        return any(
            store.get(openid) is not None
            for store in (self._buttons, self._undelivered, self._transfer)
        )
