"""Case lookup on the console.

    GET  /console/api/cases/{number}         -> the case, personal data masked
    POST /console/api/cases/{number}/unmask  {"reason"} -> the case in full, after an
                                              `unmasked` event (agent, reason) is recorded

Answers carry `Cache-Control: no-store` (routes.py), so no personal data stays
in a browser's cache.
"""

from __future__ import annotations

import logging

from aiohttp import web

from connectors.console.case_directory import case_number, unmask_reason
from connectors.console.keys import AGENT, CASES
from connectors.console.responses import json_response, read_json_object

log = logging.getLogger(__name__)


async def case_view(request: web.Request) -> web.Response:
    number = case_number(request.match_info["number"])
    view = await request.app[CASES].view(number)
    return json_response(view.to_json())


async def case_unmask(request: web.Request) -> web.Response:
    number = case_number(request.match_info["number"])
    body = await read_json_object(request)
    reason = unmask_reason(body.get("reason"))
    agent = request[AGENT]
    view = await request.app[CASES].unmask(number, agent.name, reason)
    log.info("console: agent %s unmasked case %s", agent.name, number)
    return json_response(view.to_json())
