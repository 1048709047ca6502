"""Conversation ids the server issues, and one-at-a-time handling per conversation.

A session id is `<random part>.<tag>`: 144 random bits, and an HMAC-SHA256 tag
over them under the gateway's secret. A client may send its own id back, but
cannot pick another person's (the random part is unguessable) nor make one up
(it cannot compute the tag), so a conversation's tracker in Rasa — which may
hold a name or a phone number once a case is opened — is reachable only by
the client it was issued to. An id that fails the check is not an error: the
client simply gets a fresh conversation.

Rasa's lock store serialises the messages of one sender, but in the order the
requests reach Rasa, and concurrent requests can overtake one another on the
way there. `ConversationLocks` therefore queues a conversation's messages at
the gateway and hands them to Rasa one at a time, in the order they arrived,
with a bound on how many may wait.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from connectors.errors import ConversationBusy

RANDOM_BYTES = 18  # 24 base64url characters
TAG_BYTES = 16  # HMAC-SHA256 truncated to 128 bits: 22 base64url characters
SENDER_PREFIX = "web:"
_SESSION_ID = re.compile(r"^([A-Za-z0-9_-]{24})\.([A-Za-z0-9_-]{22})$")


@dataclass(frozen=True)
class Conversation:
    """A verified conversation: the id the client holds and the key behind it."""

    session_id: str
    key: str  # the random part; never trust it unless it came out of `verify`
    is_new: bool = False

    @property
    def sender_id(self) -> str:
        """The sender id Rasa keeps the tracker under."""
        return SENDER_PREFIX + self.key


class SessionSigner:
    """Issues session ids and recognises the ones it issued.

    Args:
        secret: the gateway's signing secret; ids from another secret do not verify.
    """

    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("the session secret must not be empty")
        self._secret = secret

    def _tag(self, key: str) -> str:
        digest = hmac.new(self._secret, b"session:" + key.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:TAG_BYTES]).decode().rstrip("=")

    def issue(self) -> Conversation:
        """A new conversation with an id no one has held before."""
        key = secrets.token_urlsafe(RANDOM_BYTES)
        return Conversation(f"{key}.{self._tag(key)}", key, is_new=True)

    def verify(self, session_id: object) -> Conversation | None:
        """The conversation `session_id` names, or None if we did not issue it."""
        if not isinstance(session_id, str):
            return None
        match = _SESSION_ID.match(session_id)
        if match is None:
            return None
        key, tag = match.groups()
        if not hmac.compare_digest(tag, self._tag(key)):
            return None
        return Conversation(session_id, key)

    def resolve(self, session_id: object) -> Conversation:
        """The client's conversation if its id is genuine, else a fresh one."""
        return self.verify(session_id) or self.issue()


class _Slot:
    """A conversation's lock and how many requests hold it or wait for it."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class ConversationLocks:
    """One asyncio lock per active conversation, dropped when nobody uses it.

    asyncio.Lock wakes its waiters first in, first out, so messages of one
    conversation reach Rasa in the order they arrived. A conversation with no
    request in flight has no entry, so memory follows the number of people
    talking right now, not the number who ever talked.

    Args:
        max_pending: the most requests of one conversation that may hold or
            wait for the lock; one more raises `ConversationBusy`. A person
            types one message at a time, so only a runaway client hits this.
    """

    def __init__(self, max_pending: int = 8) -> None:
        self._slots: dict[str, _Slot] = {}
        self._max_pending = max_pending

    def __len__(self) -> int:
        return len(self._slots)

    def pending(self, key: str) -> int:
        """How many requests of conversation `key` hold or wait for its lock."""
        slot = self._slots.get(key)
        return slot.users if slot else 0

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        """Wait for the conversation's turn, keep it for the block, then pass it on.

        Raises:
            ConversationBusy: `max_pending` requests of this conversation are already queued.
        """
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = _Slot()
        elif slot.users >= self._max_pending:
            raise ConversationBusy(f"{slot.users} requests already queued")
        slot.users += 1
        try:
            async with slot.lock:
                yield
        finally:
            slot.users -= 1
            if slot.users == 0:
                del self._slots[key]
