"""The everyday commands: list, show, status; and the schema chore (keys: keys.py).

Every command returns its exit status and prints through the Context;
failures are raised (Refused, CaseNotFound, …) and turned into one Chinese
line by cases.cli.main.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

from cases.cli import views
from cases.cli.context import Context, Refused
from cases.cli.table import pad, table, width
from cases.errors import CaseNotFound, InvalidTransition
from cases.model import BEIJING, CaseRecord, CaseStatus
from cases.sql.engine import current_revision, make_engine, migrate

MASKED_HINT = "（个人信息已遮盖；如确需完整信息，加 --unmask --reason 理由，查看会记入处理记录）"


def beijing_day(day: date | None, *, end: bool = False) -> datetime | None:
    """Midnight at the start of `day` in Beijing; with `end`, of the day after (so it counts)."""
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=1 if end else 0), time(), BEIJING)


def missing(context: Context, number: str) -> Refused:
    """Not found, saying so plainly when the case was purged."""
    purged = [e for e in context.backend().events(number) if e.kind == "purged"]
    if purged:
        when = views.beijing(purged[-1].at, seconds=False)
        return Refused(f"案件 {number} 已于 {when} 超过保存期限被删除")
    return Refused(f"没有编号为 {number} 的案件，请核对编号")


def cmd_list(context: Context) -> int:
    args = context.args
    records = context.backend().list_cases(
        status=args.status,
        since=beijing_day(args.since),
        until=beijing_day(args.until, end=True),
        limit=args.limit,
    )
    if args.json:
        for record in records:
            context.say(json.dumps(views.list_json(record), ensure_ascii=False))
        return 0
    if not records:
        context.say("没有符合条件的案件。")
        return 0
    for line in table(views.LIST_COLUMNS, [views.list_row(r) for r in records]):
        context.say(line)
    more = (
        "（已达 --limit 上限，可能还有更多）" if args.limit and len(records) == args.limit else ""
    )
    context.say(f"共 {len(records)} 件{more}。")
    return 0


def cmd_show(context: Context) -> int:
    args = context.args
    backend = context.backend()
    record = backend.get_now(args.case_number)
    if record is None:
        raise missing(context, args.case_number)
    if args.unmask:
        # The audit entry comes first: if it cannot be written, nothing is shown.
        audit = {"reason": args.reason, **context.audit_extra()}
        backend.record_event(record.case_number, "unmasked", context.actor, audit)
    events = backend.events(record.case_number)
    if args.json:
        data = views.case_json(record, unmask=args.unmask)
        data["events"] = [views.event_json(e, unmask=args.unmask) for e in events]
        context.say(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    _print_case(context, record, unmask=args.unmask)
    context.say()
    context.say("处理记录：")
    for event in events:
        kind = views.EVENT_KINDS.get(event.kind, event.kind)
        text = views.event_detail(event, unmask=args.unmask)
        context.say(f"  {views.beijing(event.at)}  {kind}  {event.actor}  {text}".rstrip())
    if not args.unmask:
        context.say()
        context.say(MASKED_HINT)
    return 0


def _print_case(context: Context, record: CaseRecord, *, unmask: bool) -> None:
    fields = views.case_fields(record, unmask=unmask)
    columns = max(width(label) for label in views.FIELDS.values())
    for key, label in views.FIELDS.items():
        if key != "description":
            context.say(f"{pad(label, columns)}  {fields[key]}")
    context.say(f"{views.FIELDS['description']}：")
    for line in fields["description"].splitlines() or [views.EMPTY]:
        context.say(f"  {line}")
    context.say()
    summary = views.eligibility_summary(record.application.eligibility)
    if not summary:
        context.say("援助资格：未评估")
        return
    context.say("援助资格：")
    for label, value in summary.items():
        context.say(f"  {label}：{value}")
    for reason in views.eligibility_reasons(record.application.eligibility):
        context.say(f"  · {reason}")


def cmd_status(context: Context) -> int:
    args = context.args
    backend = context.backend()
    wanted: CaseStatus = args.new_status
    before = backend.get_now(args.case_number)
    if before is None:
        raise missing(context, args.case_number)
    if before.status == wanted:
        context.say(f"案件 {before.case_number} 已经是「{wanted.label}」，无需更改。")
        return 0
    try:
        after = backend.update_status_now(
            before.case_number, wanted, args.note or "", context.actor
        )
    except CaseNotFound:
        raise missing(context, args.case_number) from None
    except InvalidTransition:
        current = backend.get_now(before.case_number) or before
        raise Refused(_transition_refusal(current.status, wanted)) from None
    context.say(f"案件 {after.case_number}：「{before.status.label}」→「{after.status.label}」。")
    return 0


def _transition_refusal(current: CaseStatus, wanted: CaseStatus) -> str:
    allowed = [s for s in CaseStatus if current.can_become(s)]
    text = f"案件当前为「{current.label}」，不能改为「{wanted.label}」"
    if not allowed:
        return text + "：这一状态已结束，不能再更改"
    return text + "；可改为：" + "、".join(f"{s.value}（{s.label}）" for s in allowed)


def cmd_migrate(context: Context) -> int:
    settings = context.settings()
    engine = make_engine(settings.database_url, settings.database_schema)
    try:
        before = current_revision(engine)
        migrate(engine)
        after = current_revision(engine)
    finally:
        engine.dispose()
    if before == after:
        context.say(f"数据库结构已是最新版本：{after}。")
    elif before is None:
        context.say(f"已建立数据库结构，版本 {after}。")
    else:
        context.say(f"数据库结构已从版本 {before} 升级到 {after}。")
    return 0
