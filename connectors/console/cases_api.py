"""Case lookup on the console.

    GET  /console/api/cases/{number}         -> the case, personal data masked, after a
                                              `viewed` event (agent, time) is recorded
    POST /console/api/cases/{number}/unmask  {"reason"} -> the case in full, after an
                                              `unmasked` event (agent, reason) is recorded

Both count against the agent's lookup limits first (lookup_limit.py): 429
`lookup_throttled` with Retry-After when over them. Answers carry
`Cache-Control: no-store` (routes.py), so no personal data stays in a
browser's cache.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

from aiohttp import web

from connectors.console.case_directory import case_number, unmask_reason
from connectors.console.errors import ConsoleUnavailable
from connectors.console.keys import ACCOUNTS, AGENT, CASES
from connectors.console.lookup_limit import LookupThrottled
from connectors.console.responses import json_response, read_json_object
from connectors.widget.limits import RETRY_AFTER

log = logging.getLogger(__name__)


async def _admit(request: web.Request, agent: str, number: str) -> None:
    """Count the lookup against the agent's limits, or refuse it (429 with Retry-After)."""
    limits = request.app[CASES].limits
    try:
        await asyncio.to_thread(limits.admit, request.app[ACCOUNTS].db, agent, number)
    except LookupThrottled as exc:
        request[RETRY_AFTER] = exc.retry_after  # the widget's hook writes Retry-After
        log.warning("console: agent %s refused a case lookup: %s", agent, exc.detail)
        raise
    except (sqlite3.Error, OSError) as exc:
        raise ConsoleUnavailable(
            f"lookup limits: {type(exc).__name__}: {exc}",
            message="案件库暂时无法访问，请稍后再试。",
        ) from exc


async def case_view(request: web.Request) -> web.Response:
    number = case_number(request.match_info["number"])
    agent = request[AGENT]
    await _admit(request, agent.name, number)
    log.info("console: agent %s looks up case %s (masked)", agent.name, number)
    view = await request.app[CASES].view(number, agent.name)
    return json_response(view.to_json())


async def case_unmask(request: web.Request) -> web.Response:
    number = case_number(request.match_info["number"])
    body = await read_json_object(request)
    reason = unmask_reason(body.get("reason"))
    agent = request[AGENT]
    await _admit(request, agent.name, number)
    view = await request.app[CASES].unmask(number, agent.name, reason)
    log.info("console: agent %s unmasked case %s", agent.name, number)
    return json_response(view.to_json())
