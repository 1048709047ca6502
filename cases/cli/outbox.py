"""`outbox`: what waits in the action server's outbox, and what the relay set aside.

An application the relay cannot read (written under a key that is no longer
configured) is set aside so the others still go; this listing is where the
operator finds it, by the provisional reference the person was given. It
shows references, states and times only — never an application — and needs
no key.
"""

from __future__ import annotations

from cases import outbox_admin
from cases.cli import views
from cases.cli.context import Context, Refused
from cases.cli.table import table
from cases.outbox_entries import OutboxEntry, OutboxState

STATES = {
    OutboxState.PENDING: "等待提交",
    OutboxState.DELIVERED: "已送达",
    OutboxState.SET_ASIDE: "已搁置",
    OutboxState.REJECTED: "被拒收",
    OutboxState.CONFLICT: "编号冲突",
}
REASONS = {
    "DecryptionFailed": "无法解密（写入时的密钥不在 CASE_ENCRYPTION_KEY 中）",
    "InvalidApplication": "内容不完整或格式不对",
    "ValueError": "内容已损坏",
    "BackendUnavailable": "案件系统暂时连不上",
    "TimeoutError": "案件系统响应超时",
}
SET_ASIDE_HINT = (
    "已搁置的申请不会自动提交。找回当初的密钥后，把它加在 CASE_ENCRYPTION_KEY 末尾，"
    "再运行 python -m cases rotate-key 即可恢复；否则请按临时编号联系申请人重新申请。"
)


def _reason(entry: OutboxEntry) -> str:
    if entry.last_error is None:
        return views.EMPTY
    return REASONS.get(entry.last_error, entry.last_error)


def cmd_outbox(context: Context) -> int:
    path = context.configured().outbox_path
    if not path.exists():
        raise Refused(f"没有找到待提交箱 {path}（CASE_OUTBOX_PATH）")
    found = outbox_admin.report(path)
    context.say(f"待提交箱 {path}")
    context.say(
        "，".join(f"{label} {found.counts[state]}" for state, label in STATES.items()) + "。"
    )
    if not found.attention:
        context.say("没有等待提交或已搁置的申请。")
        return 0
    rows = [
        [
            entry.reference,
            STATES[entry.state],
            views.beijing(entry.created_at, seconds=False),
            str(entry.attempts),
            _reason(entry),
        ]
        for entry in found.attention
    ]
    context.say()
    for line in table(("临时编号", "状态", "写入时间", "尝试次数", "原因"), rows):
        context.say(line)
    if found.counts[OutboxState.SET_ASIDE]:
        context.say()
        context.say(SET_ASIDE_HINT)
    return 0
