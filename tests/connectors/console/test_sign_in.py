"""Signing in and out: one answer for every refusal, throttling, the cookie, timeouts.

Throttling is checked as a person or an attacker meets it: growing delays for
one name from one address, for one address spraying names, a bounded delay
for one name guessed from many addresses, and never a lockout a stranger can
impose on an agent (policy: connectors/console/throttle.py).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from connectors.console import account_store, accounts
from connectors.console.account_store import AccountStore
from connectors.console.db import ConsoleDatabase
from connectors.console.passwords import parse
from connectors.console.throttle import ADDRESS, PAIR
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


def at(address: str) -> dict[str, str]:
    """Headers of a sign-in from `address` (the test client is loopback, a trusted proxy)."""
    return {"X-Forwarded-For": address}


STRANGER = "198.51.100.66"
AGENT_DESK = "203.0.113.7"  # XFF: where the agent usually signs in


async def retry_after(console: Console, name: str, password: str, address: str) -> int:
    """Sign in once more; the Retry-After of the 429 it must get."""
    response = await console.sign_in(name, password, **at(address))
    assert response.status == 429, await response.text()
    assert (await response.json())["error"] == "sign_in_throttled"
    return int(response.headers["Retry-After"])


async def guess(console: Console, name: str, addresses: list[str]) -> list[int]:
    """One wrong password from each address in turn, waiting out every delay; the delays met."""
    waits = []
    for address in addresses:
        response = await console.sign_in(name, "wrong password", **at(address))
        if response.status == 429:
            waits.append(int(response.headers["Retry-After"]))
            console.throttle_clock.advance(waits[-1])
            response = await console.sign_in(name, "wrong password", **at(address))
        assert response.status == 401, await response.text()
    return waits


async def test_a_strangers_wrong_passwords_do_not_keep_the_agent_out(console: Console) -> None:
    assert (await console.sign_in(**XFF)).status == 200  # the agent's desk is known
    await guess(console, AGENT, [STRANGER] * 30)  # the old lockout took five
    await guess(console, AGENT, [f"198.51.100.{n}" for n in range(1, 31)])
    assert (await console.sign_in(**XFF)).status == 200  # from the usual desk: no wait at all


async def test_guessing_from_one_address_waits_longer_and_longer(console: Console) -> None:
    for _ in range(PAIR.free):
        assert (await console.sign_in(AGENT, "wrong password", **at(STRANGER))).status == 401
    waits = []
    for _ in range(9):
        assert (await console.sign_in(AGENT, "wrong password", **at(STRANGER))).status == 401
        waits.append(await retry_after(console, AGENT, "wrong password", STRANGER))
        console.throttle_clock.advance(waits[-1])
    assert waits == [5, 10, 20, 40, 80, 160, 320, 640, 900]  # doubling, capped at 15 minutes
    response = await console.sign_in(AGENT, "wrong password", **at(STRANGER))
    assert response.status == 401
    # While the delay runs the right password is refused too: guessing gains nothing.
    locked = await console.sign_in(AGENT, PASSWORD, **at(STRANGER))
    assert (locked.status, int(locked.headers["Retry-After"])) == (429, 900)
    assert (await locked.json())["message"] == "登录失败次数过多，请 15 分钟后再试。"


async def test_a_short_wait_is_told_in_seconds(console: Console) -> None:
    for _ in range(PAIR.free + 1):
        await console.sign_in(AGENT, "wrong password", **XFF)
    response = await console.sign_in(**XFF)
    assert response.status == 429
    assert await response.json() == {
        "error": "sign_in_throttled",
        "message": "登录失败次数过多，请 5 秒后再试。",
    }
    console.throttle_clock.advance(5)
    assert (await console.sign_in(**XFF)).status == 200


async def test_guesses_against_one_name_from_many_addresses_only_slow_it(
    console: Console,
) -> None:
    # One guess each from sixty addresses, each as soon as the delay allows.
    waits = await guess(console, AGENT, [f"198.51.100.{n}" for n in range(1, 61)])
    assert waits[:6] == [1, 2, 4, 8, 16, 32] and max(waits) == 60  # bounded, not a lockout
    # The agent on an address new to them waits at most a minute, then gets in.
    wait = await retry_after(console, AGENT, PASSWORD, "192.0.2.200")
    assert wait <= 60
    console.throttle_clock.advance(wait)
    assert (await console.sign_in(AGENT, PASSWORD, **at("192.0.2.200"))).status == 200


async def test_unknown_names_are_slowed_exactly_like_real_ones(console: Console) -> None:
    real = await guess(console, AGENT, ["198.51.100.1"] * 7)
    made_up = await guess(console, "ghost.agent", ["198.51.100.2"] * 7)
    assert real == made_up == [5, 10, 20]  # a delay tells no name apart


async def test_a_success_clears_the_names_failures_from_that_address(console: Console) -> None:
    for _ in range(PAIR.free):
        await console.sign_in(AGENT, "wrong password", **XFF)
    assert (await console.sign_in(**XFF)).status == 200
    for _ in range(PAIR.free):
        assert (await console.sign_in(AGENT, "wrong password", **XFF)).status == 401


async def test_failures_from_one_address_slow_that_address(console: Console) -> None:
    for number in range(ADDRESS.free + 1):
        response = await console.sign_in(f"guess{number}", "wrong password", **XFF)
        assert response.status == 401
    locked = await console.sign_in(**XFF)
    assert locked.status == 429
    assert "Retry-After" in locked.headers
    other = await console.sign_in(**{"X-Forwarded-For": "198.51.100.9"})
    assert other.status == 200


async def test_the_delays_outlive_a_restart_of_the_gateway(make_console: MakeConsole) -> None:
    first = await make_console()
    for _ in range(PAIR.free + 1):
        await first.sign_in(AGENT, "wrong password", **at(STRANGER))
    second = await make_console()  # a new process on the same database
    assert await retry_after(second, AGENT, PASSWORD, STRANGER) == 5


async def test_the_unlock_command_lifts_the_delays_of_a_running_gateway(
    console: Console, console_db: Path
) -> None:
    for number in range(20):
        await console.sign_in(AGENT, "wrong password", **at(f"198.51.100.{number + 1}"))
        console.throttle_clock.advance(1)
    for _ in range(PAIR.free + 1):
        await console.sign_in(AGENT, "wrong password", **XFF)
    assert (await console.sign_in(**XFF)).status == 429
    out, err = io.StringIO(), io.StringIO()
    status = accounts.main(
        ["--db", str(console_db), "unlock", AGENT], env={}, stdout=out, stderr=err
    )
    assert (status, err.getvalue()) == (0, "")
    assert out.getvalue().startswith(f"已解除 {AGENT} 的登录限制")
    assert (await console.sign_in(**XFF)).status == 200
    assert (await console.sign_in(AGENT, PASSWORD, **at("192.0.2.201"))).status == 200


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
