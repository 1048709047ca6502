"""The reference case system's HTTP API (contract: openapi.yaml in this folder).

A thin JSON layer over `SqlCaseBackend`: the store already gives the
guarantees the API promises (one case per idempotency key, same key and
application → the first record, other application → conflict, allowed status
changes only); this module maps them onto status codes and bodies.

Bodies of error answers carry an `error` code and an English `message`, never
data from the request: they end up in the client's logs. Nothing here logs a
request body either; log lines name the route, the status and the case number.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
import logging
import weakref
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError

from cases.errors import (
    BackendUnavailable,
    CaseNotFound,
    IdempotencyConflict,
    InvalidApplication,
    InvalidTransition,
)
from cases.model import CaseApplication, CaseRecord, CaseStatus
from cases.server import (
    CASES_PATH,
    FAULTS_PATH,
    HEALTH_PATH,
    IDEMPOTENCY_KEY,
    IDEMPOTENCY_KEY_HEADER,
    REPLAYED_HEADER,
)
from cases.server.faults import NO_FAULT, FaultPlan
from cases.sql import SqlCaseBackend
from cases.sql.tables import cases

log = logging.getLogger(__name__)

# An application is a few kilobytes (the description is at most 2000
# characters); anything much larger is not one.
MAX_BODY = 256 * 1024
MAX_ACTOR = 64  # the width of case_events.actor
MAX_NOTE = 1000
_HTTP_ERRORS = {
    404: "no_such_endpoint",  # not "not_found": that one means "no such case"
    405: "method_not_allowed",
    413: "body_too_large",
}
_STATUSES = frozenset(status.value for status in CaseStatus)
_dumps = functools.partial(json.dumps, ensure_ascii=False)


class _KeyLocks:
    """One lock per idempotency key in flight, forgotten once nobody holds it.

    The store alone makes a key one case; the lock is for the status code:
    two concurrent requests with one key must get one 201 and one 200, which
    needs "was the key known?" and "create" to happen as one step. It holds
    within this process only; across several server processes the record is
    still single and only the 200/201 label could be wrong.
    """

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def __call__(self, key: str) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock


BACKEND = web.AppKey("backend", SqlCaseBackend)
TOKEN = web.AppKey("token", str)
FAULTS = web.AppKey("faults", FaultPlan)
KEY_LOCKS = web.AppKey("key_locks", _KeyLocks)


def make_app(
    backend: SqlCaseBackend, token: str, faults: FaultPlan | None = None
) -> web.Application:
    """The API over `backend`, answering only requests bearing `token`.

    `faults`, when given, is served at /_faults and applied to create
    requests (see faults.py); production passes None and has no such route.
    The caller owns `backend` and closes it.
    """
    if not token:
        raise ValueError("the case server needs a non-empty bearer token")
    app = web.Application(middlewares=[_json_errors, _bearer_auth], client_max_size=MAX_BODY)
    app[BACKEND] = backend
    app[TOKEN] = token
    app[KEY_LOCKS] = _KeyLocks()
    app.router.add_get(HEALTH_PATH, health, allow_head=False)
    app.router.add_post(CASES_PATH, create_case)
    app.router.add_get(CASES_PATH + "/{case_number}", get_case, allow_head=False)
    app.router.add_post(CASES_PATH + "/{case_number}/status", change_status)
    if faults is not None:
        app[FAULTS] = faults
        app.router.add_get(FAULTS_PATH, show_faults, allow_head=False)
        app.router.add_post(FAULTS_PATH, set_faults)
        app.router.add_delete(FAULTS_PATH, clear_faults)
    return app


# -- answers ------------------------------------------------------------------


def error(
    status: int,
    code: str,
    message: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> web.Response:
    return web.json_response(
        {"error": code, "message": message, **extra}, status=status, headers=headers, dumps=_dumps
    )


def _record(record: CaseRecord, status: int = 200, **headers: str) -> web.Response:
    return web.json_response(record.to_json(), status=status, headers=headers, dumps=_dumps)


# -- middlewares ----------------------------------------------------------------


@web.middleware
async def _json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure as a JSON body, so the client parses one kind of answer."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        allow = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        code = _HTTP_ERRORS.get(exc.status, "http_error")
        return error(exc.status, code, exc.reason, headers=allow)
    except ConnectionError:
        # The client hung up while its body was read: nothing was stored.
        log.info("client went away during %s %s", request.method, request.path)
        return error(400, "incomplete_request", "the request ended early")
    except BackendUnavailable:
        # A database hiccup is the client's to retry, like any 503.
        log.warning("case store unavailable on %s %s", request.method, request.path)
        return error(503, "unavailable", "the case store is unavailable; retry later")
    except Exception as exc:
        # Type only, no traceback: a driver's message can quote the statement's values.
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.path)
        return error(500, "internal", "internal error")


@web.middleware
async def _bearer_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path == HEALTH_PATH:
        return await handler(request)
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    expected = request.app[TOKEN].encode("utf-8")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        credential.strip().encode("utf-8"), expected
    ):
        return error(
            401,
            "unauthorized",
            "a valid bearer token is required",
            headers={"WWW-Authenticate": 'Bearer realm="case-system"'},
        )
    return await handler(request)


# -- handlers -------------------------------------------------------------------


async def health(request: web.Request) -> web.Response:
    """Liveness only: the store is not probed (a SQLite probe would take its write lock)."""
    return web.json_response({"status": "ok"})


async def create_case(request: web.Request) -> web.Response:
    key = request.headers.get(IDEMPOTENCY_KEY_HEADER)
    if key is None:
        return error(400, "missing_idempotency_key", "the Idempotency-Key header is required")
    if not IDEMPOTENCY_KEY.fullmatch(key):
        return error(
            400, "bad_idempotency_key", "Idempotency-Key must be 1-128 of A-Z a-z 0-9 _ . : -"
        )
    # Read before any injected delay, as a real server that is slow in its
    # store would: a request the client gave up on can still be stored.
    body = await request.read()
    faults = request.app.get(FAULTS)
    injection = faults.take() if faults is not None else NO_FAULT
    if injection.delay_before:
        await asyncio.sleep(injection.delay_before)
    if injection.fail_status is not None:
        headers = None
        if injection.retry_after is not None:
            headers = {"Retry-After": f"{injection.retry_after:g}"}
        return error(injection.fail_status, "injected_fault", "fault injected", headers=headers)

    try:
        application = CaseApplication.from_json(json.loads(body))
    except ValueError:  # not JSON, or not UTF-8
        return error(400, "invalid_application", "invalid application", problems=["body: not JSON"])
    except InvalidApplication as exc:
        return error(400, "invalid_application", "invalid application", problems=exc.problems)

    backend = request.app[BACKEND]
    try:
        async with request.app[KEY_LOCKS](key):
            replayed = await asyncio.to_thread(_key_known, backend.engine, key)
            record = await backend.create(application, idempotency_key=key)
    except IdempotencyConflict:
        log.warning("idempotency key reused for a different application")
        return error(
            422, "idempotency_conflict", "the key was already used for a different application"
        )
    # Outside the lock: a client that timed out retries while this request sleeps.
    if injection.delay_after_commit:
        await asyncio.sleep(injection.delay_after_commit)
    if replayed:
        log.info("case %s: create replayed", record.case_number)
        return _record(record, 200, **{REPLAYED_HEADER: "true"})
    return _record(record, 201, Location=f"{CASES_PATH}/{record.case_number}")


async def get_case(request: web.Request) -> web.Response:
    record = await request.app[BACKEND].get(request.match_info["case_number"])
    if record is None:
        return error(404, "not_found", "no case with that number")
    return _record(record)


async def change_status(request: web.Request) -> web.Response:
    try:
        data = await request.json()
    except ValueError:
        data = None
    if not isinstance(data, dict) or set(data) - {"status", "note", "actor"}:
        return error(400, "invalid_request", "the body must be an object: status, note?, actor?")
    raw = data.get("status")
    if not isinstance(raw, str) or raw not in _STATUSES:
        allowed = ", ".join(status.value for status in CaseStatus)
        return error(400, "invalid_status", f"status must be one of: {allowed}")
    note, actor = data.get("note", ""), data.get("actor", "system")
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        return error(400, "invalid_request", f"note must be text of at most {MAX_NOTE} characters")
    if not isinstance(actor, str) or not actor.strip() or len(actor) > MAX_ACTOR:
        return error(400, "invalid_request", f"actor must be text of 1-{MAX_ACTOR} characters")
    number = request.match_info["case_number"]
    try:
        record = await request.app[BACKEND].update_status(
            number, CaseStatus(raw), note=note, actor=actor
        )
    except CaseNotFound:
        return error(404, "not_found", "no case with that number")
    except InvalidTransition as exc:
        return error(409, "invalid_transition", f"status change not allowed: {exc}")
    return _record(record)


async def show_faults(request: web.Request) -> web.Response:
    return web.json_response(request.app[FAULTS].to_json())


async def set_faults(request: web.Request) -> web.Response:
    plan = request.app[FAULTS]
    try:
        plan.configure(await request.json())
    except ValueError as exc:  # bad JSON or a bad plan
        return error(400, "invalid_fault_plan", str(exc))
    log.warning("fault plan set: %s", plan.to_json())
    return web.json_response(plan.to_json())


async def clear_faults(request: web.Request) -> web.Response:
    plan = request.app[FAULTS]
    plan.clear()
    return web.json_response(plan.to_json())


def _key_known(engine: Engine, key: str) -> bool:
    try:
        with engine.connect() as connection:
            row = connection.execute(
                select(cases.c.id).where(cases.c.idempotency_key == key).limit(1)
            ).first()
    except DBAPIError as exc:
        raise BackendUnavailable(f"case database: {type(exc.orig).__name__}") from None
    return row is not None
