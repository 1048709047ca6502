"""`purge`: delete finished cases past their retention period, after asking.

Deleting is irreversible, so the command says what it will delete and waits
for a typed "yes" unless --yes was given; --dry-run only lists. The case's
whole history goes with it (notes and reasons quote names and numbers); the
store keeps one `purged` tombstone per case — number, time, who — and nothing
else. The outbox on this machine (CASE_OUTBOX_PATH) loses the rows of the
purged cases and every settled row older than the retention period.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cases import outbox_admin
from cases.cli import views
from cases.cli.context import Context
from cases.cli.table import table
from cases.model import CaseRecord
from cases.retention import cutoff, due, retention_days


def cmd_purge(context: Context) -> int:
    args = context.args
    days = args.retention_days or retention_days(context.env)
    before = cutoff(context.clock(), days)
    backend = context.backend()
    candidates = due(backend, before)
    numbers = [record.case_number for record in candidates]
    outbox = context.configured().outbox_path
    leftovers = _forget(outbox, numbers, before, dry_run=True)
    since = views.beijing(before, seconds=False)
    rule = f"已结束、且最后更新早于 {since}（保存期限 {days} 天）"
    if args.dry_run:
        _list(context, candidates, rule)
        if leftovers:
            context.say(f"待提交箱中会删除 {leftovers} 条已结束的记录。")
        context.say("（试运行，未删除任何内容）")
        return 0
    if not candidates and not leftovers:
        context.say(f"没有需要删除的案件：没有{rule}的案件。")
        return 0
    if not args.yes:
        what = f"{len(candidates)} 件{rule}的案件" if candidates else "待提交箱中的旧记录"
        context.stderr.write(f"将永久删除 {what}，不可恢复。\n输入 yes 确认：")
        context.stderr.flush()
        if context.stdin.readline().strip().lower() != "yes":
            context.say("已取消，未删除任何内容。")
            return 1
    purged = backend.purge(before, context.actor) if candidates else []
    if candidates:
        context.say(
            f"已删除 {len(purged)} 件案件及其处理记录（每件只留一条删除记录：编号、时间、操作人）。"
        )
    else:
        context.say(f"没有需要删除的案件：没有{rule}的案件。")
    removed = _forget(outbox, purged, before)
    if removed:
        context.say(f"已从待提交箱删除 {removed} 条已结束的记录。")
    return 0


def _list(context: Context, candidates: list[CaseRecord], rule: str) -> None:
    if not candidates:
        context.say(f"没有需要删除的案件：没有{rule}的案件。")
        return
    context.say(f"会删除以下 {len(candidates)} 件{rule}的案件：")
    rows = [
        [r.case_number, r.status.label, views.beijing(r.updated_at, seconds=False)]
        for r in candidates
    ]
    for line in table(("案件编号", "状态", "最后更新"), rows):
        context.say(f"  {line}")


def _forget(path: Path, numbers: list[str], before: datetime, *, dry_run: bool = False) -> int:
    """The outbox's part of a purge; nothing when this machine has no outbox."""
    if not path.exists():
        return 0
    return outbox_admin.forget(path, numbers, before, dry_run=dry_run)
