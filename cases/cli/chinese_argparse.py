"""An argparse parser that speaks Chinese and raises instead of exiting.

argparse speaks English and ends the process on a usage error; staff need a
Chinese line and the caller (a test, a script) needs an exit status it can
check. So this parser raises UsageError / HelpShown, translates argparse's
own messages, prints Chinese headings, and lines up help texts by display
width (a Chinese character takes two columns; argparse counts one).
Abbreviated options are off: `--y` must not quietly mean `--yes` on a
command that deletes records.
"""

from __future__ import annotations

import argparse
import re
from typing import Any, NoReturn, TextIO

from cases.cli.table import width

_TOKENS = re.compile(r"[!-~]+ ?|.")  # an ASCII word with its space, or one character


class UsageError(Exception):
    """The command line is wrong; the message is Chinese and safe to print."""


class HelpShown(Exception):
    """`-h` printed the help: nothing else to do."""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Chinese usage prefix, and help texts aligned by display width, not len().

    argparse pads the option column with len(), so a Chinese metavar (两列
    一个字) pushes its help text out of line.
    """

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        if action.help is not argparse.SUPPRESS:
            columns = width(self._format_action_invocation(action)) + self._current_indent
            self._action_max_length = max(self._action_max_length, columns)

    def _format_action(self, action: argparse.Action) -> str:
        text = super()._format_action(action)
        invocation = self._format_action_invocation(action)
        indent, found, rest = text.partition(invocation)
        if width(invocation) == len(invocation) or not found or rest.startswith("\n"):
            return text
        column = min(self._action_max_length + 2, self._max_help_position)
        first, newline, others = rest.partition("\n")
        end = len(indent) + width(invocation)
        gap = " " * (column - end) if end + 2 <= column else "\n" + " " * column
        return indent + invocation + gap + first.lstrip(" ") + newline + others

    def _split_lines(self, text: str, columns: int) -> list[str]:
        """Wrap by display width, between words or CJK characters (never inside a word)."""
        lines, line = [], ""
        for token in _TOKENS.findall(" ".join(text.split())):
            if line and width(line + token.rstrip()) > columns:
                lines.append(line.rstrip())
                token = token.lstrip()
                line = ""
            line += token
        return [*lines, line.rstrip()] if line.strip() else lines

    def add_usage(
        self,
        usage: str | None,
        actions: Any,
        groups: Any,
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


# argparse's own messages (Python 3.11), most specific first.
_TRANSLATIONS = [
    (re.compile(r"the following arguments are required: (.+)"), r"缺少参数：\1"),
    (re.compile(r"unrecognized arguments: (.+)"), r"无法识别的参数：\1"),
    (re.compile(r"one of the arguments (.+) is required"), r"必须给出其中一个参数：\1"),
    (
        re.compile(r"argument (.+?): invalid choice: (.+?) \(choose from (.+)\)"),
        r"\1 不能是 \2，可选：\3",
    ),
    (re.compile(r"argument (.+?): expected one argument"), r"\1 后面要跟一个值"),
    (re.compile(r"argument (.+?): invalid \S+ value: .*"), r"\1 的值不对"),
    (re.compile(r"argument (.+?): not allowed with argument (.+)"), r"\1 不能和 \2 一起用"),
    (re.compile(r"argument (.+?): ignored explicit argument .*"), r"\1 不需要值"),
    (re.compile(r"argument (.+?): (.+)"), r"\1：\2"),
]


def translate(message: str) -> str:
    for pattern, replacement in _TRANSLATIONS:
        if pattern.fullmatch(message):
            return pattern.sub(replacement, message)
    return message


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises UsageError / HelpShown and prints help to `out`."""

    def __init__(self, *args: Any, out: TextIO, with_help: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs.setdefault("allow_abbrev", False)
        kwargs["add_help"] = False  # ours, with a Chinese text, is added below
        super().__init__(*args, **kwargs)
        self.out = out
        # A parent's "选项" group is merged into ours by title: reuse it, or
        # the help would show two sections of that name.
        groups = [group for group in self._action_groups if group.title == "选项"]
        self.options = groups[0] if groups else self.add_argument_group("选项")
        if with_help:
            self.options.add_argument("-h", "--help", action="help", help="显示本帮助后退出")

    def print_help(self, file: Any = None) -> None:
        super().print_help(file or self.out)

    def error(self, message: str) -> NoReturn:
        raise UsageError(translate(message))

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if status:
            raise UsageError(message or "命令行参数有误")
        raise HelpShown
