"""GET /api/v1/search?q=…&k=…: the knowledge engine's answer as JSON.

    {"query", "answerable", "results": [{"doc_id", "title", "doc_number",
     "section", "text", "score", …}], …}

The body is exactly what `python -m knowledge search --json` prints
(`SearchResponse.to_dict()`), plus, per result, `highlights` (where the
searched words are, see highlight.py) and `answer` (the ready-to-read
excerpt with its citation that the bot would say, from knowledge.answer),
and `terms` at the top. For a signed-in agent (session cookie) or the
hotline's own systems (`Authorization: Bearer <key>`, CONSOLE_API_KEYS);
anyone else gets 401. A request that names a bearer key is judged by the
key alone, never by a cookie it also carries.

The engine is the gateway's own, in process (knowledge.service.open_searcher
with KnowledgeSettings from the environment), loaded on the first search and
shared; every search runs in a worker thread, so the event loop keeps
serving chat while the CPU ranks passages.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web

from connectors.console.auth import current_agent, key_holder
from connectors.console.errors import ConsoleUnavailable, InvalidQuery, NotSignedIn
from connectors.console.highlight import highlights
from connectors.console.keys import SEARCHER
from connectors.console.responses import json_response
from knowledge.errors import KnowledgeError

if TYPE_CHECKING:  # the engine's modules load faiss; a gateway whose console is unused skips it
    from knowledge.searcher import SearchResponse

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 200
MAX_K = 20
DEFAULT_K = 5
ANSWER_CHARS = 600  # what the bot sends (actions/policy.py MAX_MESSAGE)


def read_query(request: web.Request) -> tuple[str, int]:
    """The validated `q` (stripped, 1-200 characters) and `k` (1-20, default 5)."""
    q = request.query.get("q", "").strip()
    if not q:
        raise InvalidQuery("q is empty", message="请输入要查询的问题。")
    if len(q) > MAX_QUERY_CHARS:
        raise InvalidQuery(
            f"q has {len(q)} characters", message=f"问题太长了，请控制在 {MAX_QUERY_CHARS} 字以内。"
        )
    raw_k = request.query.get("k", "").strip() or str(DEFAULT_K)
    if not raw_k.isascii() or not raw_k.isdigit() or not 1 <= int(raw_k) <= MAX_K:
        raise InvalidQuery(f"k is {raw_k[:10]!r}", message=f"结果条数 k 应为 1 到 {MAX_K}。")
    return q, int(raw_k)


def search_payload(response: SearchResponse) -> dict[str, Any]:
    """The knowledge CLI's JSON, with highlights, a ready answer per result, and the terms."""
    from knowledge.answer import Answer, excerpt  # the bot's wording: same text, same source

    data = response.to_dict()
    terms = response.terms or response.query.split()
    for result, hit in zip(data["results"], response.results, strict=True):
        passage = hit.passage
        result["highlights"] = highlights(passage.text, terms)
        result["answer"] = Answer(excerpt(passage, terms), passage, []).text(ANSWER_CHARS)
    data["terms"] = terms
    return data


async def search(request: web.Request) -> web.Response:
    """GET /api/v1/search for an agent or a key holder."""
    holder = key_holder(request)
    who = holder or await _agent_name(request)
    q, k = read_query(request)
    searcher = await request.app[SEARCHER].get()
    try:
        response = await asyncio.to_thread(searcher.search, q, k)
    except KnowledgeError as exc:
        raise ConsoleUnavailable(
            f"search failed: {type(exc).__name__}", message="政策检索暂时不可用，请稍后再试。"
        ) from exc
    log.info("search by %s: k=%d, %d results", who, k, len(response.results))
    return json_response(search_payload(response))


async def _agent_name(request: web.Request) -> str:
    agent = await current_agent(request)
    if agent is None:
        raise NotSignedIn(
            "no session and no bearer key",
            message="请先登录坐席工作台，或在 Authorization 中提供有效的 API 密钥。",
        )
    return f"agent {agent.name}"
