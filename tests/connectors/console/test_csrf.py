"""Every state-changing console request needs this session's CSRF token and this site."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.console.account_store import AccountStore
from tests.connectors.console.conftest import Console, MakeConsole

BODY: dict[str, Any] = {"facts": {}}


async def post(console: Console, headers: dict[str, str]) -> Any:
    return await console.client.post("/console/api/eligibility", json=BODY, headers=headers)


@pytest.mark.parametrize("token", [None, "", "wrong", "x" * 43])
async def test_missing_or_wrong_token_is_403(console: Console, token: str | None) -> None:
    await console.signed_in()
    headers = {} if token is None else {"X-CSRF-Token": token}
    response = await post(console, headers)
    assert response.status == 403
    assert await response.json() == {
        "error": "csrf_refused",
        "message": "页面已过期，请刷新后重试。",
    }


async def test_the_right_token_passes(console: Console) -> None:
    csrf = await console.signed_in()
    assert (await post(console, {"X-CSRF-Token": csrf})).status == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
async def test_another_site_is_refused_even_with_the_token(
    console: Console, headers: dict[str, str]
) -> None:
    csrf = await console.signed_in()
    response = await post(console, {**headers, "X-CSRF-Token": csrf})
    assert response.status == 403
    assert (await response.json())["error"] == "cross_site_request"


async def test_own_origin_and_same_origin_fetch_pass(console: Console) -> None:
    csrf = await console.signed_in()
    origin = str(console.client.make_url("")).rstrip("/")
    headers = {"Origin": origin, "Sec-Fetch-Site": "same-origin", "X-CSRF-Token": csrf}
    assert (await post(console, headers)).status == 200


async def test_a_token_belongs_to_its_session(
    make_console: MakeConsole, accounts: AccountStore
) -> None:
    accounts.add("li.na", "另一个密码 second-2")
    first = await make_console()
    first_token = await first.signed_in()
    second = await make_console()
    response = await second.sign_in("li.na", "另一个密码 second-2")
    assert response.status == 200
    assert (await post(second, {"X-CSRF-Token": first_token})).status == 403


async def test_reading_the_token_needs_the_session(console: Console) -> None:
    response = await console.client.get("/console/api/session")
    assert response.status == 401
    assert "csrf" not in await response.text()
