"""The gateway's only way to talk to Rasa: its REST channel and its HTTP API.

Follows Rasa Open Source 3.6's documents "Your Own Website → REST Channels"
(POST /webhooks/rest/webhook with {"sender", "message", "metadata"}, answered
with a JSON list of bot messages) and "HTTP API" (GET / answers "Hello from
Rasa: <version>" without a token; PUT /conversations/{id}/tracker/events,
operation `replaceConversationTrackerEvents`, with `?token=` RASA_TOKEN,
replaces a conversation's events — with none, it erases the conversation).

Every aiohttp error, timeout or unusable answer is translated here into one of
the gateway's `UpstreamError`s, so callers handle three cases (unavailable,
timeout, bad answer) and never an aiohttp exception.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

from connectors.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable
from connectors.messages import RasaMessage
from connectors.observers import Turn, TurnObserver

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/rest/webhook"
HELLO_PREFIX = "Hello from Rasa"


@dataclass(frozen=True)
class RasaTimeouts:
    """How long to wait for Rasa, in seconds.

    `connect` bounds getting a connection (a stopped Rasa fails fast); `read`
    bounds the answer, which covers NLU, policies and the custom actions Rasa
    calls in turn, so it is much longer.
    """

    connect: float = 2.0
    read: float = 15.0

    def client_timeout(self) -> aiohttp.ClientTimeout:
        # The total is a hard cap: sock_read alone lets a server that trickles
        # bytes keep a request open for ever.
        return aiohttp.ClientTimeout(
            total=self.connect + self.read, connect=self.connect, sock_read=self.read
        )


class RasaClient:
    """Sends a person's message to Rasa and brings back what the bot said.

    Args:
        session: the application's client session (opened and closed by app.py).
        base_url: Rasa server root, e.g. http://127.0.0.1:5005.
        timeouts: connect and read limits for each request.
        observers: awaited after every answered turn (see observers.py).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        timeouts: RasaTimeouts,
        observers: Sequence[TurnObserver] = (),
        token: str | None = None,
    ) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._timeouts = timeouts
        self._observers = observers
        self._token = token

    async def send(
        self, sender_id: str, text: str, metadata: dict[str, Any] | None = None
    ) -> list[RasaMessage]:
        """Post one message to the REST channel.

        Returns:
            Rasa's list of bot messages, possibly empty; every element is a JSON object.

        Raises:
            UpstreamUnavailable: Rasa cannot be reached.
            UpstreamTimeout: Rasa did not answer in time.
            UpstreamError: Rasa answered with a non-200 status or a body that is not
                a JSON list of objects.
        """
        body = {"sender": sender_id, "message": text, "metadata": metadata or {}}
        url = self._base_url + WEBHOOK_PATH
        try:
            async with self._session.post(
                url, json=body, timeout=self._timeouts.client_timeout()
            ) as response:
                status = response.status
                raw = await response.read()
        except TimeoutError as exc:  # aiohttp's timeouts subclass it
            raise UpstreamTimeout(f"Rasa did not answer in time ({_describe(exc)})") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise UpstreamUnavailable(
                f"Rasa unreachable at {self._base_url} ({_describe(exc)})"
            ) from exc
        if status != 200:
            # The body is not logged: it may echo what the person typed.
            raise UpstreamError(f"Rasa answered HTTP {status} ({len(raw)} bytes)")
        messages = _parse_answer(raw)
        await self._tell_observers(Turn(_channel(metadata), sender_id, text, messages))
        return messages

    async def _tell_observers(self, turn: Turn) -> None:
        for observer in self._observers:
            try:
                await observer(turn)
            except Exception:  # a listener's bug must never cost the person the answer
                log.exception("turn observer %r failed for %s", observer, turn.sender_id)

    async def erase(self, sender_id: str) -> bool:
        """Replace the conversation's events with none; whether Rasa confirmed.

        Never raises: the caller tells the person and the operator; the
        failure is logged without the sender id.
        """
        url = f"{self._base_url}/conversations/{quote(sender_id, safe='')}/tracker/events"
        params = {"token": self._token} if self._token else None
        try:
            async with self._session.put(
                url, json=[], params=params, timeout=self._timeouts.client_timeout()
            ) as response:
                status = response.status
                await response.read()
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            log.warning("erasing a conversation in Rasa failed: %s", _describe(exc))
            return False
        if status != 200:
            log.warning(
                "erasing a conversation in Rasa failed: HTTP %d%s",
                status,
                "" if self._token else " (RASA_TOKEN is not set)",
            )
            return False
        return True

    async def is_up(self) -> bool:
        """Whether Rasa's HTTP API answers its greeting; never raises."""
        timeout = aiohttp.ClientTimeout(total=self._timeouts.connect + 1.0)
        try:
            async with self._session.get(self._base_url + "/", timeout=timeout) as response:
                text = await response.text()
                return response.status == 200 and text.startswith(HELLO_PREFIX)
        except (TimeoutError, aiohttp.ClientError, OSError, UnicodeDecodeError) as exc:
            log.debug("Rasa health check failed: %s", _describe(exc))
            return False


def _channel(metadata: dict[str, Any] | None) -> str:
    channel = (metadata or {}).get("channel")
    return channel if isinstance(channel, str) else "unknown"


def _describe(exc: BaseException) -> str:
    """A one-line cause for the log: aiohttp's reprs run to several hundred characters."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _parse_answer(raw: bytes) -> list[RasaMessage]:
    """Check that the webhook's body is a JSON list of objects before anyone reads it."""
    try:
        data = json.loads(raw)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError both are
        raise UpstreamError(f"Rasa's answer is not JSON ({len(raw)} bytes)") from exc
    if not isinstance(data, list):
        raise UpstreamError(f"Rasa's answer is a {type(data).__name__}, not a list")
    if not all(isinstance(element, dict) for element in data):
        raise UpstreamError("Rasa's answer holds an element that is not an object")
    return data
