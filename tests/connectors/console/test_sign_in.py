"""Signing in and out: one answer for every refusal, throttling, the cookie, timeouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.console import account_store
from connectors.console.account_store import AccountStore
from connectors.console.db import ConsoleDatabase
from connectors.console.passwords import parse
from connectors.console.throttle import ACCOUNT_FAILURES, ACCOUNT_WINDOW, ADDRESS_FAILURES
from connectors.settings import Environment
from tests.connectors.console.conftest import AGENT, PASSWORD, XFF, Console, MakeConsole

REFUSED = {"error": "bad_credentials", "message": "账号或密码不正确。"}


async def test_right_password_signs_in(console: Console) -> None:
    response = await console.sign_in()
    assert response.status == 200
    body = await response.json()
    assert body["name"] == AGENT
    assert len(body["csrf_token"]) >= 40
    assert body["idle_minutes"] == 30
    session = await console.client.get("/console/api/session")
    assert session.status == 200
    assert (await session.json())["csrf_token"] == body["csrf_token"]


@pytest.mark.parametrize(
    ("name", "password"),
    [
        (AGENT, "wrong password"),
        ("nobody.here", PASSWORD),
        ("x", PASSWORD),  # not even a valid name
        (AGENT.upper(), "wrong password"),
    ],
)
async def test_every_refusal_is_the_same_answer(console: Console, name: str, password: str) -> None:
    response = await console.sign_in(name, password)
    assert response.status == 401
    assert await response.json() == REFUSED
    assert "Set-Cookie" not in response.headers
    assert (await console.client.get("/console/api/session")).status == 401


async def test_unknown_name_costs_the_same_scrypt_check(
    make_console: MakeConsole, console_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    AccountStore(ConsoleDatabase(console_db)).add("li.na", "li-na-password")  # default cost
    console = await make_console(real_cost=True)
    checked: list[str] = []
    real = account_store.verify_password

    def spy(password: str, encoded: str) -> bool:
        checked.append(encoded)
        return real(password, encoded)

    monkeypatch.setattr(account_store, "verify_password", spy)
    for name in ("li.na", "nobody.here", "?"):
        response = await console.sign_in(name, "wrong password")
        assert (response.status, await response.json()) == (401, REFUSED)
    assert len(checked) == 3  # one full check on each path, none skipped
    for encoded in checked:
        params, salt, key = parse(encoded)
        assert (params.n, params.r, params.p) == (2**14, 8, 1)  # the real cost, every time
        assert (len(salt), len(key)) == (16, 32)
    assert (await console.sign_in("li.na", "li-na-password")).status == 200
    assert len(checked) == 4


async def test_a_disabled_account_gets_the_same_answer(
    console: Console, accounts: AccountStore
) -> None:
    accounts.set_disabled(AGENT, True)
    response = await console.sign_in()
    assert (response.status, await response.json()) == (401, REFUSED)


async def test_failures_lock_the_name_even_for_the_right_password(console: Console) -> None:
    for _ in range(ACCOUNT_FAILURES):
        assert (await console.sign_in(AGENT, "wrong password")).status == 401
    locked = await console.sign_in()
    assert locked.status == 429
    body = await locked.json()
    assert body["error"] == "sign_in_throttled"
    assert body["message"] == "登录失败次数过多，请 15 分钟后再试。"
    assert int(locked.headers["Retry-After"]) == ACCOUNT_WINDOW
    console.throttle_clock.advance(ACCOUNT_WINDOW)
    assert (await console.sign_in()).status == 200


async def test_unknown_names_lock_exactly_like_real_ones(console: Console) -> None:
    for _ in range(ACCOUNT_FAILURES):
        await console.sign_in("ghost", "wrong password")
    response = await console.sign_in("ghost", "wrong password")
    assert response.status == 429  # a lockout does not tell which names exist
    assert (await console.sign_in()).status == 200  # other names are unaffected


async def test_a_success_clears_the_names_failures(console: Console) -> None:
    for _ in range(ACCOUNT_FAILURES - 1):
        await console.sign_in(AGENT, "wrong password")
    assert (await console.sign_in()).status == 200
    for _ in range(ACCOUNT_FAILURES - 1):
        assert (await console.sign_in(AGENT, "wrong password")).status == 401


async def test_failures_from_one_address_lock_that_address(console: Console) -> None:
    for number in range(ADDRESS_FAILURES):
        response = await console.sign_in(f"guess{number}", "wrong password", **XFF)
        assert response.status == 401
    locked = await console.sign_in(**XFF)
    assert locked.status == 429
    assert "Retry-After" in locked.headers
    other = await console.sign_in(**{"X-Forwarded-For": "198.51.100.9"})
    assert other.status == 200


async def test_session_cookie_flags_in_development(console: Console) -> None:
    response = await console.sign_in()
    [cookie] = response.headers.getall("Set-Cookie")
    name, _, rest = cookie.partition("=")
    attributes = {part.strip().split("=")[0].lower(): part for part in rest.split(";")[1:]}
    assert name == "console_session"
    assert "httponly" in attributes
    assert attributes["samesite"].strip() == "SameSite=Strict"
    assert attributes["path"].strip() == "Path=/"
    assert attributes["max-age"].strip() == "Max-Age=43200"
    assert "secure" not in attributes  # plain http in development: it would never be sent


async def test_session_cookie_is_secure_and_host_bound_in_production(
    make_console: MakeConsole,
) -> None:
    console = await make_console(environment=Environment.PRODUCTION)
    response = await console.sign_in()
    [cookie] = response.headers.getall("Set-Cookie")
    assert cookie.startswith("__Host-console=")
    lowered = cookie.lower()
    assert "; secure" in lowered and "; httponly" in lowered and "samesite=strict" in lowered
    assert "domain=" not in lowered


async def test_sign_out_ends_the_session_on_the_server(console: Console) -> None:
    csrf = await console.signed_in()
    token = console.client.session.cookie_jar.filter_cookies(console.client.make_url("/"))
    stolen = token["console_session"].value
    response = await console.client.post("/console/api/logout", headers={"X-CSRF-Token": csrf})
    assert response.status == 204
    assert "Max-Age=0" in response.headers["Set-Cookie"]
    assert (await console.client.get("/console/api/session")).status == 401
    # A copy of the cookie taken before signing out opens nothing either.
    replay = await console.client.get(
        "/console/api/session", headers={"Cookie": f"console_session={stolen}"}
    )
    assert replay.status == 401


async def test_sign_out_needs_the_csrf_token(console: Console) -> None:
    await console.signed_in()
    response = await console.client.post("/console/api/logout")
    assert response.status == 403
    assert (await console.client.get("/console/api/session")).status == 200


async def test_idle_timeout(console: Console) -> None:
    await console.signed_in()
    for _ in range(3):  # in use every 29 minutes: still signed in after 87
        console.clock.advance(29 * 60)
        assert (await console.client.get("/console/api/session")).status == 200
    console.clock.advance(30 * 60 + 1)
    response = await console.client.get("/console/api/session")
    assert response.status == 401
    assert (await response.json())["message"] == "登录已过期，请重新登录。"


async def test_absolute_lifetime_ends_a_busy_session(console: Console) -> None:
    await console.signed_in()
    for _ in range(12 * 3 - 1):
        console.clock.advance(20 * 60)
        assert (await console.client.get("/console/api/session")).status == 200
    console.clock.advance(20 * 60 + 1)
    assert (await console.client.get("/console/api/session")).status == 401


async def test_idle_minutes_come_from_the_settings(make_console: MakeConsole) -> None:
    console = await make_console(console_idle_minutes=5)
    await console.signed_in()
    console.clock.advance(5 * 60 + 1)
    assert (await console.client.get("/console/api/session")).status == 401


async def test_disabling_an_account_ends_its_session(
    console: Console, accounts: AccountStore
) -> None:
    await console.signed_in()
    accounts.set_disabled(AGENT, True)
    assert (await console.client.get("/console/api/session")).status == 401


async def test_sign_in_from_another_site_is_refused(console: Console) -> None:
    response = await console.sign_in(Origin="https://evil.example")
    assert response.status == 403
    assert (await response.json())["error"] == "cross_site_request"
    same_site = await console.sign_in(Origin=str(console.client.make_url("")).rstrip("/"))
    assert same_site.status == 200


async def test_sign_in_takes_json_only(console: Console) -> None:
    response = await console.client.post(
        "/console/api/login", data={"name": AGENT, "password": PASSWORD}
    )
    assert response.status == 400
    assert (await console.client.get("/console/api/session")).status == 401


async def test_the_database_file_is_private(console: Console, console_db: Path) -> None:
    await console.signed_in()
    assert console_db.stat().st_mode & 0o077 == 0
