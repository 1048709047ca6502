"""`export`: cases to a CSV file that Excel on a Windows desk opens correctly.

* UTF-8 with a byte-order mark: without it Excel reads the file as GBK and
  every Chinese character is garbled.
* Cells that begin with = + - @ (or tab / carriage return) get a leading
  apostrophe: descriptions are typed by the public, and Excel would run
  `=HYPERLINK(...)` as a formula on the staff member's machine.
* Long digit strings (a phone or ID number, a patent number) get a leading tab so
  Excel keeps them as text instead of rounding them to 3.70402E+17.
* The file appears whole or not at all (temporary file, then rename), is
  readable by its owner only, and never replaces an existing file unless
  --force says so.
* Every exported case gets an `exported` event before the file appears, so
  no file of personal data exists that the audit trail does not know about.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import tempfile
from pathlib import Path

from cases.cli import views
from cases.cli.commands import beijing_day
from cases.cli.context import Context, Refused
from cases.model import CaseRecord

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_LONG_NUMBER = re.compile(r"[0-9][0-9.]{10,}")
ELIGIBILITY_COLUMNS = tuple(views.ELIGIBILITY.values())
HEADER = (*views.FIELDS.values(), *ELIGIBILITY_COLUMNS)


def cell(value: str) -> str:
    """`value` made safe and faithful for a spreadsheet."""
    if value == views.EMPTY:
        return ""
    if value.startswith(_FORMULA_START):
        return "'" + value
    if _LONG_NUMBER.fullmatch(value):
        return "\t" + value
    return value


def row(record: CaseRecord, *, unmask: bool) -> list[str]:
    fields = views.case_fields(record, unmask=unmask)
    summary = views.eligibility_summary(record.application.eligibility)
    values = [*fields.values(), *(summary.get(label, "") for label in ELIGIBILITY_COLUMNS)]
    return [cell(value) for value in values]


def cmd_export(context: Context) -> int:
    args = context.args
    target = Path(args.output).expanduser().absolute()
    if target.exists() and not args.force:
        raise Refused(f"文件已存在：{target}；如要覆盖，加 --force")
    if not target.parent.is_dir():
        raise Refused(f"目录不存在：{target.parent}")
    backend = context.backend()
    descriptor, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        numbers: list[str] = []
        with os.fdopen(descriptor, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            for record in backend.iter_cases(
                status=args.status,
                since=beijing_day(args.since),
                until=beijing_day(args.until, end=True),
            ):
                writer.writerow(row(record, unmask=args.unmask))
                numbers.append(record.case_number)
            handle.flush()
            os.fsync(handle.fileno())
        if not numbers:
            raise Refused("没有符合条件的案件，未生成文件")
        detail = {
            "reason": args.reason,
            "unmasked": bool(args.unmask),
            "file": str(target),
            **context.audit_extra(),
        }
        for number in numbers:
            backend.record_event(number, "exported", context.actor, detail)
        _publish(Path(temporary), target, replace=args.force)
    finally:
        with contextlib.suppress(FileNotFoundError):
            Path(temporary).unlink()
    if args.unmask:
        context.say(f"已导出 {len(numbers)} 件案件到 {target}（含完整个人信息）。")
        context.warn("文件含完整个人信息：请妥善保管，用完及时删除。")
    else:
        context.say(f"已导出 {len(numbers)} 件案件到 {target}（个人信息已遮盖）。")
    return 0


def _publish(temporary: Path, target: Path, *, replace: bool) -> None:
    """Give the finished file its name; without `replace`, never over an existing file."""
    if replace:
        temporary.replace(target)
        return
    try:
        # A hard link fails if the name is taken, atomically: no window in
        # which another process's file could be overwritten.
        os.link(temporary, target)
    except FileExistsError:
        raise Refused(f"文件已存在：{target}；如要覆盖，加 --force") from None
    except OSError:
        # Some shared folders cannot link: check, then rename.
        if target.exists():
            raise Refused(f"文件已存在：{target}；如要覆盖，加 --force") from None
        temporary.replace(target)
