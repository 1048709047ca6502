"""Case lookup: masked by default; unmasked only with a reason, recorded on the case first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from cases.backend import CaseBackend
from cases.crypto import new_key
from cases.model import CaseRecord
from cases.settings import CaseSettings
from cases.sql import SqlCaseBackend
from connectors.console.case_directory import CaseDirectory
from connectors.console.keys import CASES
from connectors.console.lazy import Lazy
from tests.cases.factories import application, id_number
from tests.connectors.console.conftest import AGENT, Console, MakeConsole

PHONE = "13912345678"


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[SqlCaseBackend]:
    settings = CaseSettings(
        database_url=f"sqlite:///{tmp_path / 'cases.db'}",
        encryption_keys=new_key(),
        key_file=tmp_path / "encryption.key",
        outbox_path=tmp_path / "outbox.db",
    )
    store = SqlCaseBackend.open(settings)
    yield store
    store.engine.dispose()


@pytest.fixture
def record(backend: SqlCaseBackend) -> CaseRecord:
    return backend.create_now(
        application(
            phone=PHONE,
            id_number=id_number(),
            description=f"网店仿冒我的外观设计专利，请打 {PHONE} 联系我。",
        ),
        "key-1",
    )


def with_backend(backend: CaseBackend) -> Any:
    def prepare(app: web.Application) -> None:
        app[CASES] = CaseDirectory(Lazy[CaseBackend].ready(backend))

    return prepare


@pytest.fixture
async def console(make_console: MakeConsole, backend: SqlCaseBackend) -> Console:
    return await make_console(prepare=with_backend(backend))


def field(body: dict[str, Any], key: str) -> str:
    return str(next(f["value"] for f in body["fields"] if f["key"] == key))


async def test_a_case_is_shown_masked(console: Console, record: CaseRecord) -> None:
    await console.signed_in()
    response = await console.client.get(f"/console/api/cases/{record.case_number.lower()}")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = await response.json()
    assert body["case_number"] == record.case_number
    assert body["masked"] is True
    assert field(body, "phone") == "139****5678"
    assert field(body, "contact_name") == "王**"
    assert field(body, "id_number").startswith("3704") and "*" in field(body, "id_number")
    assert "139****5678" in field(body, "description")
    raw = await response.text()
    assert PHONE not in raw and "王秀英" not in raw and id_number() not in raw
    assert [e["kind"] for e in body["events"]] == ["提交"]
    assert {"label": "资金援助", "value": "需中心审核"} in body["eligibility"]


async def test_unmasking_is_recorded_with_the_agent_and_reason(
    console: Console, backend: SqlCaseBackend, record: CaseRecord
) -> None:
    csrf = await console.signed_in()
    response = await console.client.post(
        f"/console/api/cases/{record.case_number}/unmask",
        json={"reason": "  电话回访\n申请人 "},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status == 200
    body = await response.json()
    assert body["masked"] is False
    assert field(body, "phone") == PHONE
    assert field(body, "contact_name") == "王秀英"
    [event] = [e for e in backend.events(record.case_number) if e.kind == "unmasked"]
    assert event.actor == AGENT
    assert event.detail == {"reason": "电话回访 申请人", "channel": "console"}
    shown = body["events"][-1]
    assert (shown["kind"], shown["actor"]) == ("查看完整信息", AGENT)
    assert "理由：电话回访 申请人" in shown["detail"]


@pytest.mark.parametrize("body", [{}, {"reason": "   "}, {"reason": 5}, {"reason": "理" * 201}])
async def test_unmasking_without_a_reason_is_refused_and_shows_nothing(
    console: Console, backend: SqlCaseBackend, record: CaseRecord, body: dict[str, Any]
) -> None:
    csrf = await console.signed_in()
    response = await console.client.post(
        f"/console/api/cases/{record.case_number}/unmask",
        json=body,
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status == 400
    assert (await response.json())["error"] == "reason_required"
    assert PHONE not in await response.text()
    assert [e.kind for e in backend.events(record.case_number)] == ["created"]


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 403), ({"X-CSRF-Token": "forged"}, 403), ({"Origin": "https://evil.example"}, 403)],
)
async def test_unmasking_needs_the_csrf_token_and_this_site(
    console: Console,
    backend: SqlCaseBackend,
    record: CaseRecord,
    headers: dict[str, str],
    status: int,
) -> None:
    csrf = await console.signed_in()
    if "Origin" in headers:
        headers = {**headers, "X-CSRF-Token": csrf}  # the right token, from the wrong site
    response = await console.client.post(
        f"/console/api/cases/{record.case_number}/unmask",
        json={"reason": "回访"},
        headers=headers,
    )
    assert response.status == status
    assert [e.kind for e in backend.events(record.case_number)] == ["created"]


async def test_lookup_needs_a_session(console: Console, record: CaseRecord) -> None:
    response = await console.client.get(f"/console/api/cases/{record.case_number}")
    assert response.status == 401


async def test_unknown_and_malformed_numbers(console: Console) -> None:
    await console.signed_in()
    missing = await console.client.get("/console/api/cases/WQ-2026-999999")
    assert missing.status == 404
    assert (await missing.json())["message"] == "没有这个编号的案件，请核对编号。"
    bad = await console.client.get("/console/api/cases/drop%20table")
    assert bad.status == 400
    assert (await bad.json())["error"] == "bad_case_number"


async def test_a_case_store_without_events_cannot_unmask(
    make_console: MakeConsole, backend: SqlCaseBackend, record: CaseRecord
) -> None:
    class OtherSystem:
        """The centre's own case system: lookup only, no audit events the gateway can write."""

        async def get(self, case_number: str) -> CaseRecord | None:
            return await backend.get(case_number)

        async def close(self) -> None:
            return None

    console = await make_console(prepare=with_backend(OtherSystem()))  # type: ignore[arg-type]
    csrf = await console.signed_in()
    shown = await console.client.get(f"/console/api/cases/{record.case_number}")
    assert shown.status == 200 and (await shown.json())["events"] == []
    response = await console.client.post(
        f"/console/api/cases/{record.case_number}/unmask",
        json={"reason": "回访"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status == 503
    assert PHONE not in await response.text()
