"""`purge`: delete finished cases past their retention period, after asking.

Deleting is irreversible, so the command says what it will delete and waits
for a typed "yes" unless --yes was given; --dry-run only lists. The case's
whole history goes with it (notes and reasons quote names and numbers); the
store keeps one `purged` tombstone per case — number, time, who — and nothing
else.
"""

from __future__ import annotations

from cases.cli import views
from cases.cli.context import Context
from cases.cli.table import table
from cases.retention import cutoff, due, retention_days


def cmd_purge(context: Context) -> int:
    args = context.args
    days = args.retention_days or retention_days(context.env)
    before = cutoff(context.clock(), days)
    backend = context.backend()
    candidates = due(backend, before)
    since = views.beijing(before, seconds=False)
    rule = f"已结束、且最后更新早于 {since}（保存期限 {days} 天）"
    if not candidates:
        context.say(f"没有需要删除的案件：没有{rule}的案件。")
        return 0
    if args.dry_run:
        context.say(f"会删除以下 {len(candidates)} 件{rule}的案件：")
        rows = [
            [r.case_number, r.status.label, views.beijing(r.updated_at, seconds=False)]
            for r in candidates
        ]
        for line in table(("案件编号", "状态", "最后更新"), rows):
            context.say(f"  {line}")
        context.say("（试运行，未删除任何案件）")
        return 0
    if not args.yes:
        context.stderr.write(
            f"将永久删除 {len(candidates)} 件{rule}的案件，不可恢复。\n输入 yes 确认："
        )
        context.stderr.flush()
        if context.stdin.readline().strip().lower() != "yes":
            context.say("已取消，未删除任何案件。")
            return 1
    purged = backend.purge(before, context.actor)
    context.say(
        f"已删除 {len(purged)} 件案件及其处理记录（每件只留一条删除记录：编号、时间、操作人）。"
    )
    return 0
