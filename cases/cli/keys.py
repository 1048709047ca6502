"""`keygen` and `rotate-key`: the encryption keys of the case store and the outbox.

Rotation covers everything the cases package encrypts: the outbox (the
applications still waiting for the case system) first, then the built-in
case store. Only when both are done does the tool say the old key may go —
an application left under the old key would otherwise never be delivered.
The outbox goes first so that a refusal there (a waiting application no
given key can read) leaves the whole installation untouched.
"""

from __future__ import annotations

from cases import outbox_admin
from cases.cli.context import Context, Refused
from cases.crypto import FieldCipher, new_key
from cases.errors import DecryptionFailed
from cases.settings import CaseSettings

CAN_GO = (
    "现在可以从 CASE_ENCRYPTION_KEY 中去掉旧密钥了（先备份好新密钥，"
    "并让每个进程都换用新的设置后重启）。"
)


def cmd_keygen(context: Context) -> int:
    context.say(new_key())
    context.warn(
        "请把上面的密钥设为环境变量 CASE_ENCRYPTION_KEY（换密钥时新密钥放最前、旧密钥放后，"
        "用逗号隔开），并另行妥善保存：密钥丢失，已加密的个人信息就无法恢复。"
    )
    return 0


def cmd_rotate_key(context: Context) -> int:
    settings = context.configured()
    keys = [k for k in (settings.encryption_keys or "").split(",") if k.strip()]
    if len(keys) < 2:
        raise Refused(
            "换密钥需要在 CASE_ENCRYPTION_KEY 中同时给出新旧密钥："
            "新密钥在前、旧密钥在后，用逗号隔开"
        )
    outbox_done = _rotate_outbox(context, settings, settings.cipher())
    if settings.backend == "sql":
        try:
            count = context.backend().rotate_keys()
        except DecryptionFailed:
            raise Refused(
                "有案件无法用 CASE_ENCRYPTION_KEY 中的任何一个密钥解密，案件库未做任何更改；"
                "请检查旧密钥"
            ) from None
        context.say(f"已用新密钥重新加密 {count} 件案件的个人信息。")
    else:
        context.say("案件保存在中心自己的案件系统里（CASE_BACKEND=http），其密钥不由本工具管理。")
    if outbox_done:
        context.warn(CAN_GO)
    return 0


def _rotate_outbox(context: Context, settings: CaseSettings, cipher: FieldCipher) -> bool:
    """Rotate the outbox; False when it was not found here (so the old key must stay)."""
    path = settings.outbox_path
    if not path.exists():
        context.warn(
            f"没有找到待提交箱 {path}（CASE_OUTBOX_PATH）：如果动作服务在另一台机器上，"
            "请在那里也运行一次 rotate-key，之后再去掉旧密钥。"
        )
        return False
    try:
        rotation = outbox_admin.rotate(path, cipher, now=context.clock())
    except outbox_admin.WaitingUnreadable as exc:
        raise Refused(
            f"待提交箱中有 {exc.count} 份申请无法用 CASE_ENCRYPTION_KEY 中的任何一个密钥解密，"
            "未做任何更改；请检查旧密钥是否写在了新密钥后面"
        ) from None
    context.say(f"已用新密钥重新加密 {rotation.rotated} 份待提交的申请。")
    if rotation.revived:
        context.say(f"{rotation.revived} 份此前搁置的申请已恢复，将自动补交。")
    if rotation.still_set_aside:
        context.warn(
            f"仍有 {rotation.still_set_aside} 份搁置的申请无法解密"
            "（用 python -m cases outbox 查看）。"
        )
    return True
