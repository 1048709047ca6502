"""The reference case system over real loopback TCP, with HttpCaseBackend as its client.

Every test that stores runs on SQLite and on PostgreSQL (the `sql_backend`
fixture). Faults are injected through the server's FaultPlan; the client's
retry schedule is squeezed (FAST) so the suite stays quick, and its pauses are
recorded to check them against the budget.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import re
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp import web
from sqlalchemy import create_engine

from cases.crypto import FieldCipher, new_key
from cases.errors import (
    BackendUnavailable,
    CaseNotFound,
    ConfigurationError,
    IdempotencyConflict,
    InvalidApplication,
    InvalidTransition,
)
from cases.http_backend import HttpCaseBackend, RetryPolicy
from cases.model import CaseRecord, CaseStatus
from cases.server import IDEMPOTENCY_KEY
from cases.server.__main__ import DEFAULT_DATABASE_URL, ServerSettings
from cases.server.app import make_app
from cases.server.faults import FaultPlan
from cases.settings import DATA, ROOT, CaseSettings
from cases.sql import SqlCaseBackend
from tests.cases.factories import CONSENT_AT, application, organisation

TOKEN = "test-token-0123456789"
FAST = RetryPolicy(base=0.02, cap=0.1, max_retry_after=1.0, min_attempt=0.05)
SPEC = ROOT / "cases" / "server" / "openapi.yaml"
PERSONAL = ("13912345678", "王秀英")


@dataclass
class Running:
    url: str
    plan: FaultPlan
    store: SqlCaseBackend


class RecordingSleep:
    def __init__(self) -> None:
        self.pauses: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)
        await asyncio.sleep(seconds)


@pytest.fixture
async def server(sql_backend: SqlCaseBackend) -> AsyncIterator[Running]:
    plan = FaultPlan()
    runner = web.AppRunner(make_app(sql_backend, TOKEN, plan), shutdown_timeout=0.2)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield Running(f"http://127.0.0.1:{runner.addresses[0][1]}", plan, sql_backend)
    finally:
        await runner.cleanup()


Client = Callable[..., tuple[HttpCaseBackend, RecordingSleep]]


@pytest.fixture
async def client(server: Running) -> AsyncIterator[Client]:
    """Makes clients of the running server: make(budget=…, …) → (backend, its pauses)."""
    made: list[HttpCaseBackend] = []

    def make(token: str = TOKEN, **options: Any) -> tuple[HttpCaseBackend, RecordingSleep]:
        sleep = RecordingSleep()
        settings: dict[str, Any] = {
            "connect_timeout": 0.5,
            "read_timeout": 1.0,
            "budget": 3.0,
            "policy": FAST,
            "rng": random.Random(5),
            "sleep": sleep,
        }
        settings.update(options)
        backend = HttpCaseBackend(server.url, token, **settings)
        made.append(backend)
        return backend, sleep

    yield make
    for backend in made:
        await backend.close()


async def wait_for(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


# -- exactly once under faults ----------------------------------------------------


async def test_three_503s_then_created(server: Running, client: Client) -> None:
    backend, sleep = client(budget=2.0)
    server.plan.configure({"fail_next": 3, "fail_status": 503})
    record = await backend.create(application(), idempotency_key="conv-1:1")
    assert backend.attempts == 4
    assert server.plan.creates_seen == 4
    assert server.store.count() == 1
    assert [r.case_number for r in server.store.list_cases()] == [record.case_number]
    assert len(sleep.pauses) == 3
    assert all(0 <= pause <= FAST.cap for pause in sleep.pauses)
    assert sum(sleep.pauses) <= 2.0


async def test_commit_then_timeout_the_retry_gets_the_same_case(
    server: Running, client: Client
) -> None:
    backend, _ = client(read_timeout=0.3, budget=3.0)
    server.plan.configure({"delay_after_commit": 1.0})
    record = await backend.create(application(), idempotency_key="conv-2:1")
    # The first attempt was stored, then timed out; the second is a replay of it.
    assert backend.attempts == 2
    assert server.plan.creates_seen == 2
    assert server.store.count() == 1
    assert server.store.list_cases()[0].case_number == record.case_number


async def test_a_slow_server_is_retried_and_the_late_request_adds_nothing(
    server: Running, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="cases.server.app")
    backend, _ = client(read_timeout=0.2, budget=3.0)
    server.plan.configure({"delay_before": 0.5, "times": 1})
    record = await backend.create(application(), idempotency_key="conv-3:1")
    assert backend.attempts == 2
    # The first request still runs on the server; when it wakes, its retry has
    # stored the case, and it replays that instead of making a second one.
    await wait_for(lambda: f"case {record.case_number}: create replayed" in caplog.text)
    assert server.store.count() == 1
    assert server.store.list_cases()[0].case_number == record.case_number


async def test_a_server_slower_than_the_budget_is_unavailable_in_time(
    server: Running, client: Client
) -> None:
    # The read timeout (5 s) is longer than the budget: each attempt is cut to it.
    backend, _ = client(read_timeout=5.0, budget=0.6)
    server.plan.configure({"delay_before": 0.9, "times": 5})
    started = time.monotonic()
    with pytest.raises(BackendUnavailable, match="TimeoutError"):
        await backend.create(application(), idempotency_key="conv-4:1")
    assert time.monotonic() - started <= 0.6 + 0.25
    assert backend.attempts == 1
    # The server stores the application after the client gave up; the outbox's
    # later retry with the same key finds that case instead of making another.
    await wait_for(lambda: server.store.count() == 1)
    server.plan.clear()
    record = await backend.create(application(), idempotency_key="conv-4:1")
    assert server.store.list_cases()[0].case_number == record.case_number
    assert server.store.count() == 1


async def test_two_concurrent_creates_with_one_key_over_http(
    server: Running, client: Client
) -> None:
    backend, _ = client()
    first, second = await asyncio.gather(
        backend.create(application(), idempotency_key="conv-5:1"),
        backend.create(application(), idempotency_key="conv-5:1"),
    )
    assert first.case_number == second.case_number
    assert server.store.count() == 1
    assert server.plan.creates_seen == 2


def test_concurrent_creates_with_one_key_in_threads(sql_backend: SqlCaseBackend) -> None:
    start = threading.Barrier(4)

    def submit(_: int) -> str:
        start.wait()
        return sql_backend.create_now(organisation(), "conv-6:1").case_number

    with ThreadPoolExecutor(4) as pool:
        numbers = set(pool.map(submit, range(4)))
    assert len(numbers) == 1
    assert sql_backend.count() == 1


async def test_same_key_other_application_is_a_conflict(server: Running, client: Client) -> None:
    backend, _ = client()
    await backend.create(application(), idempotency_key="conv-7:1")
    with pytest.raises(IdempotencyConflict):
        await backend.create(
            application(description="另一件事：商标被抢注。"), idempotency_key="conv-7:1"
        )
    assert backend.attempts == 2
    assert server.store.count() == 1


async def test_429_with_retry_after_is_honoured(server: Running, client: Client) -> None:
    backend, sleep = client()
    server.plan.configure({"fail_next": 1, "fail_status": 429, "retry_after": 0.3})
    started = time.monotonic()
    await backend.create(application(), idempotency_key="conv-8:1")
    assert sleep.pauses == [0.3]
    assert time.monotonic() - started >= 0.3
    assert backend.attempts == 2


async def test_an_invalid_application_is_not_retried(server: Running, client: Client) -> None:
    backend, sleep = client()
    broken = replace(application(), phone="1391234")  # replace() does not validate
    with pytest.raises(InvalidApplication) as caught:
        await backend.create(broken, idempotency_key="conv-9:1")
    assert any(problem.startswith("phone:") for problem in caught.value.problems)
    assert (backend.attempts, sleep.pauses, server.store.count()) == (1, [], 0)


@pytest.mark.parametrize("key", ["has space", "x" * 129, ""])
async def test_an_unusable_key_is_not_retried(server: Running, client: Client, key: str) -> None:
    backend, _ = client()
    with pytest.raises(InvalidApplication, match="idempotency_key"):
        await backend.create(application(), idempotency_key=key)
    assert backend.attempts == 1


async def test_a_wrong_token_is_not_retried(
    server: Running, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    backend, sleep = client(token="not-the-token")
    with pytest.raises(BackendUnavailable, match="token refused"):
        await backend.create(application(), idempotency_key="conv-10:1")
    assert (backend.attempts, sleep.pauses, server.store.count()) == (1, [], 0)
    assert "refused the API token" in caplog.text


# -- reading and status changes ----------------------------------------------------


async def test_get_and_status_changes(server: Running, client: Client) -> None:
    backend, _ = client()
    created = await backend.create(organisation(), idempotency_key="conv-11:1")
    assert created.status is CaseStatus.SUBMITTED
    assert await backend.get(created.case_number) == created
    assert await backend.get("WQ-2026-999999") is None

    accepted = await backend.update_status(
        created.case_number, CaseStatus.ACCEPTED, note="材料齐全", actor="staff:li"
    )
    assert accepted.status is CaseStatus.ACCEPTED
    # Repeating a change whose answer was lost changes nothing.
    again = await backend.update_status(created.case_number, CaseStatus.ACCEPTED)
    assert again.updated_at == accepted.updated_at
    with pytest.raises(InvalidTransition):
        await backend.update_status(created.case_number, CaseStatus.SUBMITTED)
    with pytest.raises(CaseNotFound):
        await backend.update_status("WQ-2026-999999", CaseStatus.ACCEPTED)
    events = server.store.events(created.case_number)
    assert [(e.kind, e.actor) for e in events] == [("created", "system"), ("status", "staff:li")]
    assert events[1].detail == {"from": "submitted", "to": "accepted", "note": "材料齐全"}


# -- the contract, request by request -------------------------------------------------


async def test_the_http_contract(server: Running) -> None:
    body = application().to_json()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    cases = f"{server.url}/api/v1/cases"
    error_bodies: list[str] = []
    async with aiohttp.ClientSession() as http:

        async def call(
            method: str, url: str, status: int, headers: dict[str, str] | None = None, **kw: Any
        ) -> tuple[Any, aiohttp.ClientResponse]:
            async with http.request(method, url, headers=headers, **kw) as response:
                assert response.status == status, await response.text()
                assert response.content_type == "application/json"
                data = await response.json()
                if status >= 400:
                    assert set(data) >= {"error", "message"}
                    error_bodies.append(json.dumps(data, ensure_ascii=False))
                return data, response

        data, _ = await call("GET", f"{server.url}/health", 200)
        assert data == {"status": "ok"}
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            data, response = await call("POST", cases, 401, headers, json=body)
            assert data["error"] == "unauthorized"
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        data, _ = await call("GET", f"{cases}/WQ-2026-000001", 401)

        data, _ = await call("POST", cases, 400, auth, json=body)
        assert data["error"] == "missing_idempotency_key"
        data, _ = await call("POST", cases, 400, {**auth, "Idempotency-Key": "a b"}, json=body)
        assert data["error"] == "bad_idempotency_key"
        keyed = {**auth, "Idempotency-Key": "contract-1"}
        data, _ = await call("POST", cases, 400, keyed, data=b"{not json")
        assert (data["error"], data["problems"]) == ("invalid_application", ["body: not JSON"])
        data, _ = await call("POST", cases, 400, keyed, json={**body, "phone": "12345"})
        assert data["error"] == "invalid_application"
        assert any(p.startswith("phone:") for p in data["problems"])

        first, response = await call("POST", cases, 201, keyed, json=body)
        number = first["case_number"]
        assert re.fullmatch(r"WQ-\d{4}-\d{6}", number)
        assert response.headers["Location"] == f"/api/v1/cases/{number}"
        assert "Idempotent-Replayed" not in response.headers
        again, response = await call("POST", cases, 200, keyed, json=body)
        assert again == first
        assert response.headers["Idempotent-Replayed"] == "true"
        other = {**body, "description": "另一件事：商标被抢注。"}
        data, _ = await call("POST", cases, 422, keyed, json=other)
        assert data["error"] == "idempotency_conflict"

        data, _ = await call("GET", f"{cases}/{number}", 200, auth)
        assert data == first
        data, _ = await call("GET", f"{cases}/WQ-2026-999999", 404, auth)
        assert data["error"] == "not_found"

        status = f"{cases}/{number}/status"
        data, _ = await call("POST", status, 400, auth, json={"status": "done"})
        assert data["error"] == "invalid_status"
        data, _ = await call("POST", status, 400, auth, data=b"[]")
        assert data["error"] == "invalid_request"
        data, _ = await call("POST", status, 400, auth, json={"status": "accepted", "x": 1})
        assert data["error"] == "invalid_request"
        data, _ = await call("POST", status, 400, auth, json={"status": "closed", "actor": ""})
        assert data["error"] == "invalid_request"
        data, _ = await call("POST", status, 200, auth, json={"status": "rejected", "note": "n"})
        assert (data["status"], data["status_label"]) == ("rejected", "不予受理")
        data, _ = await call("POST", status, 409, auth, json={"status": "accepted"})
        assert data["error"] == "invalid_transition"
        missing = f"{cases}/WQ-2026-999999/status"
        data, _ = await call("POST", missing, 404, auth, json={"status": "accepted"})
        assert data["error"] == "not_found"

        data, _ = await call("GET", f"{server.url}/api/v2/cases", 404, auth)
        assert data["error"] == "no_such_endpoint"
        data, response = await call("DELETE", f"{cases}/{number}", 405, auth)
        assert data["error"] == "method_not_allowed"
        assert "GET" in response.headers["Allow"]

    # Error bodies never echo what was sent.
    for text in error_bodies:
        assert not any(value in text for value in PERSONAL), text
        assert not re.search(r"[\u4e00-\u9fff]", text), text


async def test_the_fault_endpoint(server: Running) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    faults = f"{server.url}/_faults"
    async with aiohttp.ClientSession(headers=auth) as http:
        async with http.post(faults, json={"fail_next": 2, "retry_after": 1}) as response:
            assert response.status == 200
            plan = await response.json()
        assert (plan["fail_next"], plan["fail_status"], plan["retry_after"]) == (2, 503, 1.0)
        headers = {"Idempotency-Key": "faults-1"}
        async with http.post(
            f"{server.url}/api/v1/cases", json=application().to_json(), headers=headers
        ) as response:
            assert response.status == 503
            assert response.headers["Retry-After"] == "1"
        async with http.get(faults) as response:
            assert (await response.json())["creates_seen"] == 1
        for bad in ({"fail_nxt": 1}, {"fail_status": 404}, {"delay_before": -1}, [1]):
            async with http.post(faults, json=bad) as response:
                assert response.status == 400
                assert (await response.json())["error"] == "invalid_fault_plan"
        async with http.delete(faults) as response:
            assert (await response.json())["fail_next"] == 0
        async with http.delete(faults, headers={"Authorization": "Bearer wrong"}) as response:
            assert response.status == 401
    assert server.store.count() == 0


def test_no_fault_endpoint_unless_asked() -> None:
    served = _served(make_app(_unopened_store(), TOKEN))
    assert not any(path == "/_faults" for _, path in served)


# -- the contract document ---------------------------------------------------------


def _unopened_store() -> SqlCaseBackend:
    """A store that is never used: enough to build the app and list its routes."""
    return SqlCaseBackend(create_engine("sqlite://"), FieldCipher.from_keys(new_key()))


def _served(app: web.Application) -> set[tuple[str, str]]:
    return {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None
    }


def test_openapi_lists_exactly_the_routes_the_app_serves() -> None:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    assert str(spec["openapi"]).startswith("3.1")
    documented = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert _served(make_app(_unopened_store(), TOKEN, FaultPlan())) == documented


def test_openapi_agrees_with_the_code() -> None:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    create = spec["paths"]["/api/v1/cases"]["post"]
    key = next(p for p in create["parameters"] if p["name"] == "Idempotency-Key")
    assert key["schema"]["pattern"] == f"^{IDEMPOTENCY_KEY.pattern}$"
    statuses = spec["components"]["schemas"]["CaseStatus"]["enum"]
    assert statuses == [status.value for status in CaseStatus]
    fields = set(spec["components"]["schemas"]["CaseApplication"]["properties"])
    assert fields == set(application().to_json())
    record = set(spec["components"]["schemas"]["CaseRecord"]["properties"])
    example = CaseRecord(
        "WQ-2026-000001", CaseStatus.SUBMITTED, CONSENT_AT, CONSENT_AT, application()
    )
    assert record == set(example.to_json())

    # Every $ref points at something.
    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
            return found + [r for value in node.values() for r in refs(value)]
        if isinstance(node, list):
            return [r for value in node for r in refs(value)]
        return []

    for ref in refs(spec):
        target: Any = spec
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]


# -- settings and the real process --------------------------------------------------


def test_server_settings_from_env(tmp_path: Path) -> None:
    settings = ServerSettings.from_env({"CASE_SERVER_TOKEN": "t"})
    assert (settings.host, settings.port, settings.faults) == ("127.0.0.1", 8090, False)
    assert settings.store.database_url == DEFAULT_DATABASE_URL
    # The key lives outside data/; a key an older version put beside the database still counts.
    assert settings.store.key_file == ROOT / "secrets" / "case-system.key"
    assert settings.store.legacy_key_file == DATA / "case-system.key"
    db = tmp_path / "cs.db"
    settings = ServerSettings.from_env(
        {
            "CASE_SERVER_TOKEN": "t",
            "CASE_SERVER_PORT": "0",
            "CASE_SERVER_DATABASE_URL": f"sqlite:///{db}",
            "CASE_SERVER_FAULTS": "1",
        }
    )
    assert (settings.port, settings.faults, settings.store.legacy_key_file) == (
        0,
        True,
        tmp_path / "cs.key",
    )
    chosen = ServerSettings.from_env(
        {"CASE_SERVER_TOKEN": "t", "CASE_SERVER_ENCRYPTION_KEY_FILE": str(tmp_path / "k")}
    )
    assert (chosen.store.key_file, chosen.store.legacy_key_file) == (tmp_path / "k", None)
    for env, message in (
        ({}, "CASE_SERVER_TOKEN"),
        ({"CASE_SERVER_TOKEN": "t", "CASE_SERVER_PORT": "http"}, "CASE_SERVER_PORT"),
        (
            {"CASE_SERVER_TOKEN": "t", "CASE_SERVER_DATABASE_URL": "postgresql+psycopg://x/y"},
            "CASE_SERVER_ENCRYPTION_KEY",
        ),
    ):
        with pytest.raises(ConfigurationError, match=message):
            ServerSettings.from_env(env)


def _server_env(case_settings: CaseSettings, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASE_")}
    env.update(PYTHONPATH=str(ROOT), CASE_SERVER_PORT="0", **extra)
    if case_settings.embedded:
        # No key given: the server keeps one in its key file, outside the data folder.
        env["CASE_SERVER_DATABASE_URL"] = f"sqlite:///{tmp_path / 'data' / 'case-system.db'}"
        env["CASE_SERVER_ENCRYPTION_KEY_FILE"] = str(tmp_path / "secrets" / "case-system.key")
    else:
        env["CASE_SERVER_DATABASE_URL"] = case_settings.database_url
        env["CASE_SERVER_DATABASE_SCHEMA"] = case_settings.database_schema or ""
        env["CASE_SERVER_ENCRYPTION_KEY"] = case_settings.encryption_keys or ""
    return env


async def test_the_server_as_a_process(case_settings: CaseSettings, tmp_path: Path) -> None:
    env = _server_env(case_settings, tmp_path, CASE_SERVER_TOKEN=TOKEN)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cases.server", env=env, cwd=ROOT, stderr=asyncio.subprocess.PIPE
    )
    stderr = process.stderr
    assert stderr is not None
    lines: list[str] = []

    async def read_log() -> None:
        while line := (await stderr.readline()).decode():
            lines.append(line)

    reader = asyncio.create_task(read_log())
    try:
        await wait_for(lambda: any("listening on" in line for line in lines) or reader.done(), 20)
        found = re.search(r"listening on (http://\S+)", "".join(lines))
        assert found, "the server did not start:\n" + "".join(lines)
        url = found.group(1)
        backend = HttpCaseBackend(url, TOKEN, budget=5.0)
        try:
            record = await backend.create(application(), idempotency_key="process-1")
            assert await backend.get(record.case_number) == record
            assert (await backend.create(application(), idempotency_key="process-1")) == record
        finally:
            await backend.close()
        async with aiohttp.ClientSession() as http, http.get(f"{url}/health") as response:
            assert response.status == 200
            assert await response.json() == {"status": "ok"}
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), 10) == 0
    await reader
    log = "".join(lines)
    assert "case system stopping" in log
    assert not any(value in log for value in PERSONAL)
    if case_settings.embedded:
        assert (tmp_path / "secrets" / "case-system.key").stat().st_mode & 0o777 == 0o600
        assert not (tmp_path / "data" / "case-system.key").exists()


async def test_the_server_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASE_")}
    env.update(PYTHONPATH=str(ROOT), CASE_SERVER_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cases.server", env=env, cwd=ROOT, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 2
    assert "CASE_SERVER_TOKEN is required" in stderr.decode()
    assert not (tmp_path / "x.db").exists()
