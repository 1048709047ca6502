"""`main`: parse, run one command, and turn every failure into one Chinese line.

Exit status: 0 done; 1 not found, refused, or could not be done (database
unreachable, configuration wrong); 2 the command line is wrong.

No traceback ever reaches the screen: driver and library messages can quote
SQL parameters or URLs with passwords, so only the type of an unexpected
error is named, and every line on stderr passes through `redact`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TextIO

from cryptography.fernet import InvalidToken
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)

from cases.cli.commands import cmd_list, cmd_migrate, cmd_show, cmd_status
from cases.cli.context import Context, Refused, warn
from cases.cli.export import cmd_export
from cases.cli.keys import cmd_keygen, cmd_rotate_key
from cases.cli.outbox import cmd_outbox
from cases.cli.parser import PROG, HelpShown, UsageError, parse
from cases.cli.purge import cmd_purge
from cases.errors import BackendUnavailable, CaseNotFound, ConfigurationError
from cases.model import utc_now
from cases.settings import CaseSettings

COMMANDS: dict[str, Callable[[Context], int]] = {
    "list": cmd_list,
    "show": cmd_show,
    "export": cmd_export,
    "status": cmd_status,
    "purge": cmd_purge,
    "keygen": cmd_keygen,
    "rotate-key": cmd_rotate_key,
    "migrate": cmd_migrate,
    "outbox": cmd_outbox,
}

# Configuration messages of the cases package are English (they are written
# for logs); the ones staff are likely to meet get a Chinese sentence.
_CONFIGURATION = [
    (
        "GATEWAY_ENV=production",
        "生产模式（GATEWAY_ENV=production）必须设置环境变量 CASE_ENCRYPTION_KEY，"
        "不会自动生成密钥文件",
    ),
    ("cannot be decrypted", "有记录无法用当前密钥解密：CASE_ENCRYPTION_KEY 不是写入时用的密钥"),
    ("CASE_ENCRYPTION_KEY", "加密密钥没有设置或格式不对（环境变量 CASE_ENCRYPTION_KEY）"),
    ("unsupported case database", "案件数据库只支持 SQLite 和 PostgreSQL（请检查数据库地址）"),
]


def _configuration(exc: ConfigurationError) -> str:
    text = str(exc)
    for needle, chinese in _CONFIGURATION:
        if needle in text:
            return chinese
    return f"配置有误（请联系技术人员）：{text}"


def _help_command(argv: Sequence[str] | None) -> str:
    """`python -m cases show -h` when the command is known, so the hint is to the point."""
    named = [word for word in (sys.argv[1:] if argv is None else argv) if word in COMMANDS]
    return f"{PROG} {named[0]} -h" if named else f"{PROG} -h"


def main(
    argv: Sequence[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    settings: CaseSettings | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> int:
    """Run one command and return its exit status.

    The store is `settings` if given, else what `env` (default os.environ)
    configures; the streams and the clock default to the process's own.
    """
    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        args = parse(sys.argv[1:] if argv is None else argv, out)
    except HelpShown:
        return 0
    except UsageError as exc:
        warn(err, f"用法错误：{exc}（查看说明：{_help_command(argv)}）")
        return 2
    context = Context(
        args=args,
        env=os.environ if env is None else env,
        stdin=stdin or sys.stdin,
        stdout=out,
        stderr=err,
        clock=clock,
        given_settings=settings,
    )
    try:
        return COMMANDS[context.args.command](context)
    except Refused as exc:
        context.warn(str(exc))
    except CaseNotFound:
        context.warn("没有这个案件，请核对编号")
    except ConfigurationError as exc:
        context.warn(_configuration(exc))
    except InvalidToken:
        context.warn(_configuration(ConfigurationError("cannot be decrypted")))
    except (BackendUnavailable, OperationalError, InterfaceError) as exc:
        cause = type(exc.orig).__name__ if isinstance(exc, DBAPIError) else str(exc)
        context.warn(f"连不上案件数据库，请稍后再试或联系技术人员（{cause}）")
    except ArgumentError:
        context.warn("数据库地址的格式不对（CASE_DATABASE_URL 或 --database-url）")
    except SQLAlchemyError as exc:
        context.warn(f"案件数据库出错，请联系技术人员（{type(exc).__name__}）")
    except KeyboardInterrupt:
        context.warn("已中断。")
        return 130
    except BrokenPipeError:
        raise  # the reader of stdout left; python -m cases handles it
    except OSError as exc:
        context.warn(f"文件操作失败：{exc.strerror or type(exc).__name__}")
    except Exception as exc:
        context.warn(f"内部错误，请联系技术人员（{type(exc).__name__}）")
    finally:
        context.close()
    return 1
