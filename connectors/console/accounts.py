"""python -m connectors.console.accounts: the hotline agents' console accounts.

    add <name>       new account; asks for the password twice
    passwd <name>    new password; the agent's open sessions end
    disable <name>   the agent cannot sign in; open sessions end at once
    enable <name>    allowed to sign in again
    list             every account, its state and last sign-in
    remove <name>    delete the account (the cases' audit trail keeps the name)
    unlock <name>    lift the sign-in delays wrong passwords put on the name, from any
                     address, at once — in the running gateway too (they share the file)

The password is read with getpass (not echoed, not in the shell history), or
with --password-stdin as one line from standard input, for scripts. The
database is CONSOLE_DB_PATH (default data/console/console.db), or --db.
Exit status: 0 done, 1 refused (a Chinese line on stderr says why), 2 usage.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sqlite3
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from cases.cli.chinese_argparse import HelpShown, Parser, UsageError
from cases.cli.table import table
from cases.cli.views import beijing
from connectors.console.account_store import AccountError, AccountStore, check_new_password
from connectors.console.db import ConsoleDatabase
from connectors.console.throttle import unlock
from connectors.settings import GatewaySettings

PROG = "python -m connectors.console.accounts"
NEEDS_PASSWORD = frozenset({"add", "passwd"})
Prompt = Callable[[str], str]


def _parser(out: TextIO) -> Parser:
    parser = Parser(prog=PROG, description="管理热线坐席工作台的登录账号。", out=out)
    parser.options.add_argument("--db", type=Path, help="账号数据库文件（默认读 CONSOLE_DB_PATH）")
    commands = parser.add_subparsers(dest="command", required=True, metavar="命令")
    for name, text in (
        ("add", "新增账号"),
        ("passwd", "修改密码（该账号已登录的会话全部失效）"),
        ("disable", "停用账号（立即退出登录）"),
        ("enable", "重新启用账号"),
        ("remove", "删除账号"),
        ("unlock", "解除因密码输错而对该账号的登录等待"),
    ):
        command = commands.add_parser(name, help=text, description=text, out=out)
        command.add_argument("name", help="账号名")
        if name in NEEDS_PASSWORD:
            command.options.add_argument(
                "--password-stdin", action="store_true", help="从标准输入读一行作为密码"
            )
    commands.add_parser("list", help="列出所有账号", description="列出所有账号", out=out)
    return parser


def _database(args: argparse.Namespace, env: Mapping[str, str]) -> Path:
    if args.db is not None:
        return Path(args.db)
    raw = env.get("CONSOLE_DB_PATH", "").strip()
    return Path(raw).expanduser() if raw else GatewaySettings.console_db_path


def _password(args: argparse.Namespace, stdin: TextIO, prompt: Prompt) -> str:
    """The new password, from stdin or typed twice; AccountError when unusable."""
    if args.password_stdin:
        password = stdin.readline().rstrip("\r\n")
        check_new_password(password)
        return password
    password = prompt("新密码：")
    check_new_password(password)
    if prompt("再输一次：") != password:
        raise AccountError("两次输入的密码不一致")
    return password


def _when(seconds: float | None) -> str:
    return (
        "从未登录"
        if seconds is None
        else beijing(datetime.fromtimestamp(seconds, UTC), seconds=False)
    )


def run(
    args: argparse.Namespace, store: AccountStore, stdin: TextIO, out: TextIO, prompt: Prompt
) -> None:
    """Carry out one command; AccountError when it cannot be done."""
    command, name = args.command, getattr(args, "name", "")
    if command == "add":
        account = store.add(name, _password(args, stdin, prompt))
        out.write(f"已新增账号 {account.name}。\n")
    elif command == "passwd":
        store.set_password(name, _password(args, stdin, prompt))
        out.write(f"已修改 {name} 的密码，原有登录已失效。\n")
    elif command in {"disable", "enable"}:
        store.set_disabled(name, command == "disable")
        out.write(
            f"已停用 {name}，原有登录已失效。\n" if command == "disable" else f"已启用 {name}。\n"
        )
    elif command == "remove":
        store.remove(name)
        out.write(f"已删除账号 {name}。\n")
    elif command == "unlock":
        found = store.get(name)
        if found is None:
            raise AccountError(f"没有账号 {name}")
        if unlock(store.db, found.name):
            out.write(f"已解除 {found.name} 的登录限制，现在可以登录。\n")
        else:
            out.write(f"{found.name} 目前没有登录限制。\n")
    else:
        accounts = store.list()
        if not accounts:
            out.write("还没有账号。用 add 新增。\n")
            return
        rows = [
            [
                a.name,
                "已停用" if a.disabled else "正常",
                _when(a.created_at),
                _when(a.last_sign_in_at),
            ]
            for a in accounts
        ]
        for line in table(["账号", "状态", "创建时间", "最近登录"], rows):
            out.write(line + "\n")


def main(
    argv: Sequence[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    prompt: Prompt = getpass.getpass,
) -> int:
    """Run one command and return its exit status (streams and prompt injectable for tests)."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        args = _parser(out).parse_args(sys.argv[1:] if argv is None else list(argv))
    except HelpShown:
        return 0
    except UsageError as exc:
        err.write(f"用法错误：{exc}（查看说明：{PROG} -h）\n")
        return 2
    path = _database(args, os.environ if env is None else env)
    try:
        run(args, AccountStore(ConsoleDatabase(path)), stdin or sys.stdin, out, prompt)
    except AccountError as exc:
        err.write(f"{exc}\n")
        return 1
    except (sqlite3.Error, OSError, EOFError, KeyboardInterrupt) as exc:
        err.write(f"未完成：{type(exc).__name__}（数据库 {path}）\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
