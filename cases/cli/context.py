"""What every command works with: settings, the store, the streams, who is acting.

Everything a command touches comes through here, so a test can run the whole
CLI in-process with its own settings, environment, streams and clock, without
changing os.environ or sys.stdout.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import make_url

from cases.cli.parser import MAX_ACTOR
from cases.privacy import redact
from cases.settings import CaseSettings
from cases.sql import SqlCaseBackend


class Refused(Exception):
    """The command cannot or will not do it (exit 1); the message is Chinese and safe to print."""


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def warn(stream: TextIO, line: str) -> None:
    """One line for the person on stderr; masked, since it may echo something typed."""
    stream.write(redact(" ".join(line.splitlines())) + "\n")
    stream.flush()


def os_user(env: Mapping[str, str]) -> str:
    """The login name, as getpass.getuser() finds it, but reading the given environment."""
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        if env.get(name):
            return env[name][:MAX_ACTOR]
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name[:MAX_ACTOR]
    except (ImportError, KeyError, OSError):
        return "unknown"


@dataclass
class Context:
    args: argparse.Namespace
    env: Mapping[str, str]
    stdin: TextIO
    stdout: TextIO
    stderr: TextIO
    clock: Callable[[], datetime]
    given_settings: CaseSettings | None = None
    _backend: SqlCaseBackend | None = field(default=None, repr=False)

    def say(self, line: str = "") -> None:
        self.stdout.write(line + "\n")

    def warn(self, line: str) -> None:
        warn(self.stderr, line)

    def configured(self) -> CaseSettings:
        """The settings as configured (--database-url means the built-in store)."""
        settings = self.given_settings or CaseSettings.from_env(self.env)
        url = getattr(self.args, "database_url", None)
        return replace(settings, backend="sql", database_url=url) if url else settings

    def settings(self) -> CaseSettings:
        """The settings of the built-in store; Refused when the cases live elsewhere."""
        settings = self.configured()
        if settings.backend != "sql":
            raise Refused(
                "当前配置使用中心自己的案件系统（CASE_BACKEND=http），"
                "本工具只管理内置案件库；可用 --database-url 指定内置库"
            )
        return settings

    def backend(self) -> SqlCaseBackend:
        """The store, opened (and migrated) on first use."""
        if self._backend is None:
            settings = self.settings()
            new_file = _sqlite_file(settings.database_url)
            if new_file is not None and new_file.exists():
                new_file = None
            self._backend = SqlCaseBackend.open(settings)
            if new_file is not None:
                # Opening a SQLite URL creates the file: an empty result would
                # otherwise look like "no cases" when the URL is simply wrong.
                self.warn(f"注意：数据库文件 {new_file} 原本不存在，已新建空库；请确认数据库地址")
        return self._backend

    def close(self) -> None:
        if self._backend is not None:
            self._backend.engine.dispose()
            self._backend = None

    @property
    def actor(self) -> str:
        """Who the audit trail names: --actor, else the login name."""
        return getattr(self.args, "actor", None) or os_user(self.env)

    def audit_extra(self) -> dict[str, str]:
        """The login name too, when --actor names someone else: a typed name proves little."""
        login = os_user(self.env)
        return {"os_user": login} if self.actor != login else {}
