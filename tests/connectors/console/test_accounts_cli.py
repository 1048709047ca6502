"""python -m connectors.console.accounts: add, passwd, disable, enable, list, remove, unlock."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from connectors.console.account_store import AccountStore
from connectors.console.accounts import main
from connectors.console.db import ConsoleDatabase
from connectors.settings import GatewaySettings
from tests.connectors.console.conftest import AGENT, PASSWORD, Console

ROOT = Path(__file__).resolve().parents[3]
NEW_PASSWORD = "新的密码 changed-2"


@dataclass
class Run:
    status: int
    out: str
    err: str


@pytest.fixture
def run(console_db: Path) -> Callable[..., Run]:
    def run(*argv: str, stdin: str = "", typed: tuple[str, ...] = ()) -> Run:
        out, err = io.StringIO(), io.StringIO()
        answers = iter(typed)
        status = main(
            ["--db", str(console_db), *argv],
            env={},
            stdin=io.StringIO(stdin),
            stdout=out,
            stderr=err,
            prompt=lambda _: next(answers),
        )
        return Run(status, out.getvalue(), err.getvalue())

    return run


def store(path: Path) -> AccountStore:
    return AccountStore(ConsoleDatabase(path))


def test_add_with_a_typed_password(run: Callable[..., Run], console_db: Path) -> None:
    result = run("add", "li.na", typed=("密码 typed twice", "密码 typed twice"))
    assert (result.status, result.out) == (0, "已新增账号 li.na。\n")
    assert store(console_db).authenticate("li.na", "密码 typed twice") is not None


def test_add_with_password_from_stdin(run: Callable[..., Run], console_db: Path) -> None:
    assert run("add", "王芳", "--password-stdin", stdin="stdin-password-1\n").status == 0
    assert store(console_db).authenticate("王芳", "stdin-password-1") is not None
    raw = console_db.read_bytes()
    assert b"stdin-password-1" not in raw


@pytest.mark.parametrize(
    ("argv", "stdin", "typed", "message"),
    [
        (("add", AGENT, "--password-stdin"), "another-password\n", (), f"账号 {AGENT} 已存在"),
        (("add", "li.na", "--password-stdin"), "short\n", (), "密码至少 10 个字符"),
        (("add", "li.na"), "", ("first-password", "other-password"), "两次输入的密码不一致"),
        (("add", "a b", "--password-stdin"), "long-enough-pw\n", (), "账号名须为"),
        (("passwd", "nobody", "--password-stdin"), "long-enough-pw\n", (), "没有账号 nobody"),
        (("disable", "nobody"), "", (), "没有账号 nobody"),
        (("remove", "nobody"), "", (), "没有账号 nobody"),
        (("unlock", "nobody"), "", (), "没有账号 nobody"),
    ],
)
def test_refusals_are_one_chinese_line_and_status_1(
    run: Callable[..., Run],
    accounts: AccountStore,
    argv: tuple[str, ...],
    stdin: str,
    typed: tuple[str, ...],
    message: str,
) -> None:
    result = run(*argv, stdin=stdin, typed=typed)
    assert result.status == 1
    assert result.err.startswith(message) and result.err.count("\n") == 1
    assert result.out == ""


def test_usage_errors_are_status_2(run: Callable[..., Run]) -> None:
    for argv in (("frobnicate", "x"), ("add",), ()):
        result = run(*argv)
        assert result.status == 2
        assert result.err.startswith("用法错误")


async def test_passwd_and_disable_end_open_sessions(
    run: Callable[..., Run], console: Console, accounts: AccountStore
) -> None:
    await console.signed_in()
    assert run("passwd", AGENT, "--password-stdin", stdin=NEW_PASSWORD + "\n").status == 0
    assert (await console.client.get("/console/api/session")).status == 401
    assert (await console.sign_in(AGENT, PASSWORD)).status == 401
    await console.sign_in(AGENT, NEW_PASSWORD)
    assert (await console.client.get("/console/api/session")).status == 200
    assert run("disable", AGENT).status == 0
    assert (await console.client.get("/console/api/session")).status == 401
    assert (await console.sign_in(AGENT, NEW_PASSWORD)).status == 401
    assert run("enable", AGENT).out == f"已启用 {AGENT}。\n"
    assert (await console.sign_in(AGENT, NEW_PASSWORD)).status == 200


async def test_remove_ends_sessions_and_the_account(
    run: Callable[..., Run], console: Console
) -> None:
    await console.signed_in()
    assert run("remove", AGENT).out == f"已删除账号 {AGENT}。\n"
    assert (await console.client.get("/console/api/session")).status == 401
    assert (await console.sign_in()).status == 401


def test_list_shows_state_and_last_sign_in(run: Callable[..., Run], accounts: AccountStore) -> None:
    assert run("list").out.count("\n") == 2
    accounts.add("li.na", "another-password")
    accounts.set_disabled("li.na", True)
    accounts.authenticate(AGENT, PASSWORD)
    lines = run("list").out.splitlines()
    assert lines[0].split() == ["账号", "状态", "创建时间", "最近登录"]
    li_na = next(line for line in lines if line.startswith("li.na"))
    agent = next(line for line in lines if line.startswith(AGENT))
    assert "已停用" in li_na and "从未登录" in li_na
    assert "正常" in agent and "从未登录" not in agent


def test_list_of_nothing(tmp_path: Path) -> None:
    out = io.StringIO()
    assert main(["--db", str(tmp_path / "empty.db"), "list"], env={}, stdout=out) == 0
    assert out.getvalue() == "还没有账号。用 add 新增。\n"


def test_the_database_comes_from_console_db_path(tmp_path: Path) -> None:
    path = tmp_path / "from-env.db"
    status = main(
        ["add", "li.na", "--password-stdin"],
        env={"CONSOLE_DB_PATH": str(path)},
        stdin=io.StringIO("long-enough-pw\n"),
        stdout=io.StringIO(),
    )
    assert status == 0
    assert store(path).get("li.na") is not None
    assert GatewaySettings().console_db_path == Path("data/console/console.db")


def test_runs_as_a_module(tmp_path: Path) -> None:
    path = tmp_path / "module.db"
    command = ["-m", "connectors.console.accounts", "--db", str(path), "add", "li.na"]
    result = subprocess.run(
        [sys.executable, *command, "--password-stdin"],
        input="long-enough-pw\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (0, "已新增账号 li.na。\n"), result.stderr


def test_unlock_with_nothing_to_lift_says_so(
    run: Callable[..., Run], accounts: AccountStore
) -> None:
    result = run("unlock", AGENT.upper())
    assert (result.status, result.out) == (0, f"{AGENT} 目前没有登录限制。\n")
