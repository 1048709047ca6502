"""The command line of `python -m cases`: its commands, options and Chinese help.

Argument values are checked here (dates, case numbers, statuses), and the
messages never repeat what was typed: a phone number typed where a case
number belongs must not come back on the screen or in a terminal log.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from datetime import date
from typing import Any, TextIO

from cases.cli.chinese_argparse import HelpShown, Parser, UsageError
from cases.model import CaseStatus

__all__ = ["PROG", "HelpShown", "UsageError", "parse"]

PROG = "python -m cases"
MAX_ACTOR = 64  # the width of case_events.actor
MAX_TEXT = 500
_CASE_NUMBER = re.compile(r"[A-Z0-9]+-[0-9]{4}-[0-9]{6,}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


# -- argument types (messages do not repeat the value) -------------------------


def case_number(text: str) -> str:
    number = text.strip().upper()
    if not _CASE_NUMBER.fullmatch(number):
        raise argparse.ArgumentTypeError("格式应为 WQ-2026-000123")
    return number


def day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError("日期的格式应为 年-月-日，例如 2026-11-20") from None


def positive(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError("应为正整数")
    return int(text)


def status(text: str) -> CaseStatus:
    wanted = text.strip()
    for candidate in CaseStatus:
        if wanted.lower() == candidate.value or wanted == candidate.label:
            return candidate
    raise argparse.ArgumentTypeError(f"没有这个状态，可选：{status_choices()}")


def status_choices() -> str:
    return "、".join(f"{s.value}（{s.label}）" for s in CaseStatus)


STATUS_HELP = "可选：" + " ".join(s.value for s in CaseStatus) + "（也可写中文，如 已受理）"


def _line(what: str, limit: int) -> Any:
    def check(text: str) -> str:
        value = text.strip()
        if not value:
            raise argparse.ArgumentTypeError(f"{what}不能为空")
        if len(value) > limit or _CONTROL.search(value):
            raise argparse.ArgumentTypeError(f"{what}应为一行文字，不超过 {limit} 个字")
        return value

    return check


actor = _line("操作人", MAX_ACTOR)
reason = _line("理由", MAX_TEXT)
note = _line("备注", MAX_TEXT)


# -- the commands --------------------------------------------------------------

DESCRIPTION = """\
维权援助案件库的管理工具（给中心工作人员用）。
联系人、手机、身份证号等个人信息默认遮盖；查看或导出完整信息要加 --unmask
并写明 --reason 理由，会记入案件的处理记录。

退出码：0 成功；1 找不到、被拒绝或无法完成；2 命令行写法有误。
数据库和密钥从环境变量读取（CASE_DATABASE_URL、CASE_ENCRYPTION_KEY），
也可用 --database-url 指定数据库。"""

EXAMPLES = """\
例子：
  python -m cases list --status submitted --since 2026-11-01
  python -m cases show WQ-2026-000123
  python -m cases show WQ-2026-000123 --unmask --reason 电话回访申请人
  python -m cases status WQ-2026-000123 accepted --note 材料齐全
  python -m cases export --output 十一月案件.csv --since 2026-11-01 --until 2026-11-30"""


def _common(out: TextIO) -> Parser:
    """Options every command accepts, also after the command name."""
    common = Parser(out=out, with_help=False)
    common.options.add_argument(
        "--database-url",
        metavar="地址",
        default=argparse.SUPPRESS,
        help="案件数据库地址（默认读环境变量 CASE_DATABASE_URL）",
    )
    return common


def _filters(parser: Parser) -> None:
    parser.options.add_argument("--status", type=status, metavar="状态", help=STATUS_HELP)
    parser.options.add_argument(
        "--since", type=day, metavar="日期", help="只要这一天（北京时间）及以后提交的"
    )
    parser.options.add_argument(
        "--until", type=day, metavar="日期", help="只要这一天（含当天）及以前提交的"
    )


def _actor(parser: Parser) -> None:
    parser.options.add_argument(
        "--actor", type=actor, metavar="姓名", help="记入处理记录的操作人（默认为系统登录名）"
    )


def _unmask(parser: Parser, what: str) -> None:
    parser.options.add_argument(
        "--unmask", action="store_true", help=f"{what}完整个人信息（必须同时给出 --reason）"
    )
    parser.options.add_argument(
        "--reason", type=reason, metavar="理由", help="为什么需要完整信息（记入处理记录）"
    )


def build_parser(out: TextIO) -> Parser:
    common = _common(out)
    parser = Parser(prog=PROG, description=DESCRIPTION, epilog=EXAMPLES, parents=[common], out=out)
    commands = parser.add_subparsers(
        title="命令", dest="command", metavar="命令", required=True, parser_class=Parser
    )

    def command(name: str, text: str) -> Parser:
        sub: Parser = commands.add_parser(
            name, help=text, description=text, parents=[common], out=out
        )
        return sub

    listing = command("list", "列出案件，按提交时间从早到晚（个人信息已遮盖）")
    _filters(listing)
    listing.options.add_argument("--limit", type=positive, metavar="数量", help="最多列出几件")
    listing.options.add_argument("--json", action="store_true", help="每行输出一个 JSON 对象")

    show = command("show", "查看一件案件的全部信息、援助资格和处理记录")
    show.add_argument_group("参数").add_argument(
        "case_number", type=case_number, metavar="案件编号", help="例如 WQ-2026-000123"
    )
    _unmask(show, "显示")
    _actor(show)
    show.options.add_argument("--json", action="store_true", help="输出 JSON")

    export = command("export", "导出案件为 CSV 文件（可直接用 Excel 打开）")
    export.options.add_argument(
        "--output", required=True, metavar="文件.csv", help="导出到哪个文件（不会覆盖已有文件）"
    )
    export.options.add_argument("--force", action="store_true", help="文件已存在时覆盖它")
    _filters(export)
    _unmask(export, "导出")
    _actor(export)

    change = command("status", "更改案件状态（记入处理记录）")
    arguments = change.add_argument_group("参数")
    arguments.add_argument(
        "case_number", type=case_number, metavar="案件编号", help="例如 WQ-2026-000123"
    )
    arguments.add_argument("new_status", type=status, metavar="新状态", help=STATUS_HELP)
    change.options.add_argument("--note", type=note, metavar="备注", help="记入处理记录的说明")
    _actor(change)

    purge = command("purge", "删除已结束且超过保存期限的案件（不可恢复）")
    purge.options.add_argument(
        "--retention-days",
        type=positive,
        metavar="天数",
        help="保存期限（默认读 CASE_RETENTION_DAYS，否则用部署配置，再否则 1095 天）",
    )
    purge.options.add_argument("--dry-run", action="store_true", help="只列出会删除哪些，不删除")
    purge.options.add_argument("--yes", action="store_true", help="不再询问，直接删除")
    _actor(purge)

    command("keygen", "生成一个新的加密密钥")
    command("rotate-key", "用 CASE_ENCRYPTION_KEY 的第一个密钥重新加密全部个人信息（含待提交箱）")
    command("migrate", "把数据库结构升级到最新版本")
    command("outbox", "查看待提交箱：等待补交的申请、无法读取而被搁置的申请")
    return parser


def parse(argv: Sequence[str], out: TextIO) -> argparse.Namespace:
    """The parsed command line; UsageError or HelpShown instead of exiting."""
    args = build_parser(out).parse_args(list(argv))
    if getattr(args, "reason", None) and not args.unmask and args.command == "show":
        raise UsageError("--reason 只和 --unmask 一起用")
    if getattr(args, "unmask", False) and not args.reason:
        raise UsageError("查看或导出完整个人信息必须写明理由：--unmask --reason 理由")
    since, until = getattr(args, "since", None), getattr(args, "until", None)
    if since and until and since > until:
        raise UsageError("--since 的日期不能晚于 --until")
    output = getattr(args, "output", None)
    if output is not None and not output.lower().endswith(".csv"):
        raise UsageError("导出文件名应以 .csv 结尾")
    return args
