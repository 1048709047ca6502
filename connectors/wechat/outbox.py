"""Texts sent by 客服消息 (customer-service messages), in order, never silently lost.

The channel calls `send` while it holds the person's conversation lock, so
one person's texts leave in the order they were written, and the next turn
of the same person starts only after this one's texts are out.

A transient failure (timeout, HTTP error, token trouble) is retried a few
times with a short pause. When WeChat refuses for good — 45015 (the person
last wrote more than 48 hours ago) or 45047 (too many messages since they
last wrote) — or the retries run out, the text and everything after it is
kept in `PersonMemory` and prepended to that person's next passive reply.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from connectors.wechat.errors import WeChatApiError
from connectors.wechat.memory import PersonMemory
from connectors.wechat.privacy import mask_openid

log = logging.getLogger(__name__)

SendText = Callable[[str, str], Awaitable[None]]  # (openid, text)

ATTEMPTS = 3
PAUSE = 0.5  # seconds before the second attempt; doubled before the third


class Outbox:
    """Sends one person's texts one after another.

    Args:
        send_text: sends one text to one OpenID (through `call_with_token`).
        memory: where texts that could not be delivered are kept.
        attempts / pause: how often and how patiently a transient failure is retried.
    """

    def __init__(
        self,
        send_text: SendText,
        memory: PersonMemory,
        attempts: int = ATTEMPTS,
        pause: float = PAUSE,
    ) -> None:
        self._send_text = send_text
        self._memory = memory
        self.attempts = attempts
        self.pause = pause

    async def send(self, openid: str, texts: list[str]) -> bool:
        """Send `texts` in order; returns whether all of them went out.

        Never raises for a WeChat failure: what could not be sent is kept.
        """
        for index, text in enumerate(texts):
            error = await self._send_one(openid, text)
            if error is None:
                continue
            left = texts[index:]
            dropped = self._memory.keep_undelivered(openid, left)
            log.warning(
                "客服消息 to %s failed (%s: %s); kept %d text(s) for the next reply%s",
                mask_openid(openid),
                error.code,
                error.detail,
                len(left),
                f", dropped {dropped} older bytes" if dropped else "",
            )
            return False
        return True

    async def _send_one(self, openid: str, text: str) -> WeChatApiError | None:
        pause = self.pause
        for attempt in range(1, self.attempts + 1):
            try:
                await self._send_text(openid, text)
            except WeChatApiError as exc:
                if exc.is_final or attempt == self.attempts:
                    return exc
                log.info("客服消息 attempt %d failed (%s); retrying", attempt, exc.code)
                await asyncio.sleep(pause)
                pause *= 2
            else:
                return None
        return None  # pragma: no cover - the loop always returns
