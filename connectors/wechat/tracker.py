"""Erasing a conversation in Rasa when a person unfollows the account.

Uses Rasa Open Source 3.6's HTTP API (document "HTTP API", operation
`replaceConversationTrackerEvents`): PUT /conversations/{id}/tracker/events
with a list of events replaces the whole tracker; an empty list leaves a
tracker with nothing in it. The API wants the server's token as `?token=`
(RASA_TOKEN); without one the call is made unauthenticated, which works only
if Rasa's API runs without a token.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

import aiohttp

log = logging.getLogger(__name__)


async def erase_conversation(
    session: aiohttp.ClientSession,
    rasa_url: str,
    token: str | None,
    sender_id: str,
    timeout: aiohttp.ClientTimeout,
) -> bool:
    """Replace the tracker of `sender_id` with no events; returns whether Rasa confirmed.

    Never raises: a person who unfollowed gets no answer anyway, and the
    failure is logged (without the sender id) for an operator to retry.
    """
    url = f"{rasa_url.rstrip('/')}/conversations/{quote(sender_id, safe='')}/tracker/events"
    params = {"token": token} if token else None
    try:
        async with session.put(url, json=[], params=params, timeout=timeout) as response:
            status = response.status
            await response.read()
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        log.warning("erasing a conversation in Rasa failed: %s", type(exc).__name__)
        return False
    if status != 200:
        log.warning(
            "erasing a conversation in Rasa failed: HTTP %d%s",
            status,
            "" if token else " (RASA_TOKEN is not set)",
        )
        return False
    return True
