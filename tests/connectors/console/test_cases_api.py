"""Case lookup: masked by default; unmasked only with a reason; every lookup recorded on the
case first and limited per agent (enumeration); the right's number hidden in the masked view."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy.exc import OperationalError

from cases.backend import CaseBackend
from cases.crypto import new_key
from cases.model import CaseRecord
from cases.settings import CaseSettings
from cases.sql import SqlCaseBackend
from connectors.console.account_store import AccountStore
from connectors.console.case_directory import CaseDirectory
from connectors.console.keys import CASES
from connectors.console.lazy import Lazy
from connectors.console.lookup_limit import CaseLookupLimits
from tests.cases.factories import application, id_number
from tests.connectors.console.conftest import AGENT, Clock, Console, MakeConsole

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


def with_backend(backend: CaseBackend, clock: Clock | None = None) -> Any:
    def prepare(app: web.Application) -> None:
        limits = CaseLookupLimits(clock=clock) if clock is not None else CaseLookupLimits()
        app[CASES] = CaseDirectory(Lazy[CaseBackend].ready(backend), limits=limits)

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
    assert [e["kind"] for e in body["events"]] == ["提交", "查看"]  # this lookup, recorded
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


async def test_every_masked_lookup_is_recorded_on_the_case_before_it_is_shown(
    console: Console, backend: SqlCaseBackend, record: CaseRecord
) -> None:
    await console.signed_in()
    for _ in range(2):
        assert (await console.client.get(f"/console/api/cases/{record.case_number}")).status == 200
    viewed = [e for e in backend.events(record.case_number) if e.kind == "viewed"]
    assert [(e.actor, e.detail) for e in viewed] == [(AGENT, {"channel": "console"})] * 2
    assert all(e.at.tzinfo is not None for e in viewed)


async def test_a_lookup_of_a_number_without_a_case_is_recorded_too(
    console: Console, backend: SqlCaseBackend
) -> None:
    await console.signed_in()
    response = await console.client.get("/console/api/cases/WQ-2026-424242")
    assert response.status == 404
    [event] = backend.events("WQ-2026-424242")
    assert (event.kind, event.actor) == ("viewed", AGENT)
    assert event.detail == {"channel": "console", "found": False}


async def test_no_audit_event_no_case(
    console: Console, backend: SqlCaseBackend, record: CaseRecord, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(backend, "record_event", broken)
    await console.signed_in()
    response = await console.client.get(f"/console/api/cases/{record.case_number}")
    assert response.status == 503
    text = await response.text()
    assert "139****5678" not in text and record.case_number not in text


async def look_up(console: Console, number: str) -> Any:
    return await console.client.get(f"/console/api/cases/{number}")


def numbers(first: int, count: int) -> list[str]:
    """Case numbers as an enumeration walks them (no case has most of them)."""
    return [f"WQ-2026-{n:06d}" for n in range(first, first + count)]


async def test_an_agent_walking_case_numbers_is_stopped(
    make_console: MakeConsole,
    backend: SqlCaseBackend,
    record: CaseRecord,
    accounts: AccountStore,
) -> None:
    clock = Clock()
    console = await make_console(prepare=with_backend(backend, clock))
    await console.signed_in()
    for number in numbers(100, 19):
        assert (await look_up(console, number)).status == 404
    assert (await look_up(console, record.case_number)).status == 200  # the 20th
    refused = await look_up(console, "WQ-2026-000500")
    assert refused.status == 429
    assert await refused.json() == {
        "error": "lookup_throttled",
        "message": "查询案件过于频繁，请 10 分钟后再试。",
    }
    assert 0 < int(refused.headers["Retry-After"]) <= 600
    assert backend.events("WQ-2026-000500") == []  # a refused lookup looked nothing up
    # A case already looked up may be opened again (the caller is still on the line).
    assert (await look_up(console, record.case_number)).status == 200
    # Another agent is not held back by this one.
    accounts.add("li.na", "li-na-password")
    assert (await console.sign_in("li.na", "li-na-password")).status == 200
    assert (await look_up(console, "WQ-2026-000500")).status == 404
    # And the first agent may go on once the window has passed.
    assert (await console.sign_in()).status == 200
    clock.advance(600)
    assert (await look_up(console, "WQ-2026-000501")).status == 404


async def test_the_daily_limit_holds_even_at_a_slow_pace(
    make_console: MakeConsole, backend: SqlCaseBackend
) -> None:
    clock = Clock()
    console = await make_console(prepare=with_backend(backend, clock))
    await console.signed_in()
    for number in numbers(1, 150):  # one every four minutes: under the 10-minute limit
        assert (await look_up(console, number)).status == 404
        clock.advance(240)
    refused = await look_up(console, "WQ-2026-000900")
    assert refused.status == 429
    assert int(refused.headers["Retry-After"]) > 600  # the day's window, not ten minutes


async def test_one_case_opened_over_and_over_is_limited_too(
    make_console: MakeConsole, backend: SqlCaseBackend, record: CaseRecord
) -> None:
    clock = Clock()
    console = await make_console(prepare=with_backend(backend, clock))
    await console.signed_in()
    for _ in range(60):
        assert (await look_up(console, record.case_number)).status == 200
    assert (await look_up(console, record.case_number)).status == 429


async def test_the_rights_number_is_hidden_in_every_part_of_the_masked_view(
    console: Console, backend: SqlCaseBackend
) -> None:
    right = "202310123456.7"
    case = backend.create_now(
        application(ip_number=right, description=f"专利号 {right} 被网店仿冒。"), "key-2"
    )
    backend.record_event(case.case_number, "status", "li.na", {"note": f"已核实专利 {right} 有效"})
    csrf = await console.signed_in()
    masked = await look_up(console, case.case_number)
    assert masked.status == 200
    assert right not in await masked.text()
    assert "已核实专利" in await masked.text()  # the note is shown, its number is not
    full = await console.client.post(
        f"/console/api/cases/{case.case_number}/unmask",
        json={"reason": "核对专利号"},
        headers={"X-CSRF-Token": csrf},
    )
    assert right in await full.text()
