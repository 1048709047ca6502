"""The eligibility quick check on the console.

    GET  /console/api/eligibility  -> {"facts": [{"name", "question",
                                                  "options": [{"value", "label"}]}]}
    POST /console/api/eligibility  {"facts": {name: value}}
                                   -> {"complete", "needed", "result", "citations"}

`result` is `knowledge.eligibility.evaluate(rules, facts).to_dict()`, the same
object the bot puts in its `eligibility_result` slot, clauses included.
"""

from __future__ import annotations

from aiohttp import web

from connectors.console.keys import ELIGIBILITY
from connectors.console.responses import json_response, read_json_object


async def eligibility_form(request: web.Request) -> web.Response:
    book = await request.app[ELIGIBILITY].get()
    return json_response({"facts": book.form()})


async def eligibility_check(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    book = await request.app[ELIGIBILITY].get()
    return json_response(book.check(body.get("facts")))
