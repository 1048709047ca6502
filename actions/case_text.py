"""What the person reads while opening a case: the notice, the questions, the summary.

Kept apart from the form's logic so the wording can be reviewed in one place.
The consent notice follows 个人信息保护法 第十七条: who handles the data, for
what, which data, how long it is kept, and how to exercise one's rights.
"""

from __future__ import annotations

from typing import Any

from cases.privacy import mask_credit_code, mask_id, mask_phone
from knowledge.deployment import Deployment
from knowledge.eligibility import Question

NO_NUMBER = "无"  # the IP-number slot's value when the person has none at hand
DESCRIPTION_SHOWN = 80  # characters of the description repeated in the summary

IP_NUMBER_NAMES = {
    "patent": "专利号（或专利申请号）",
    "trademark": "商标注册号",
    "copyright": "作品登记号",
    "plant_variety": "品种权号",
    "geographical_indication": "地理标志登记号",
}


def consent_notice(deployment: Deployment) -> str:
    return (
        "申请援助需要登记您的个人信息。开始前请了解：\n"
        + "\n".join(_handling_lines(deployment))
        + "\n您同意吗？不同意也没关系，仍可以继续咨询。"
    )


def personal_data_answer(deployment: Deployment) -> str:
    """What the centre does with a person's data, for someone who asks
    (我填的信息会不会泄露): the consent notice's own facts, no question attached."""
    lines = _handling_lines(deployment)
    if deployment.cases.require_id_number:
        lines.append("· 身份证号：只用于核实申请人身份，在对话和记录里都只显示前四位和后四位")
    return "您的个人信息这样处理：\n" + "\n".join(lines)


def _handling_lines(deployment: Deployment) -> list[str]:
    """Who handles the data, what, for what, who sees it, how long, the person's rights."""
    intake, keeping = deployment.cases, deployment.conversations
    collected = "联系人姓名、手机号"
    if intake.require_id_number:
        collected += "、身份证号"
    hotline = deployment.hotline
    return [
        f"· 谁来处理：{deployment.centre}",
        f"· 收集哪些：{collected}；单位申请另需单位名称和统一社会信用代码；以及您描述的情况",
        f"· 用来做什么：{intake.purpose}",
        f"· 谁能看到：{intake.recipients}",
        f"· 保存多久：加密保存，案件办结后{intake.retention_text}删除；"
        f"对话中填写的信息在提交或放弃后立即删除（{keeping.draft_text}未继续填写即视为放弃），"
        f"聊天记录{keeping.retention_text}后删除",
        f"· 您的权利：可随时拨打{hotline.number}查询、更正或要求删除；"
        "发送“删除我的信息”即可删除本次对话",
    ]


def id_notice(deployment: Deployment) -> str:
    return (
        f"{deployment.short_name}受理援助申请需要核实申请人身份，请输入申请人的18位居民身份证号码。"
        "号码加密保存，只用于核实身份，在对话和记录里都只显示前四位和后四位。"
    )


def ip_number_question(ip_type: str | None) -> str:
    name = IP_NUMBER_NAMES.get(ip_type or "", "专利号或商标注册号")
    return f"请提供{name}，方便工作人员核查权利状态。手头没有可以点“没有”。"


def ip_number_name(ip_type: str | None) -> str:
    return IP_NUMBER_NAMES.get(ip_type or "", "权利编号").split("（")[0]


def summary(slots: dict[str, Any], questions: dict[str, Question]) -> str:
    """The application as the person will confirm it; phone and ID masked."""

    def label(fact: str) -> str | None:
        value = slots.get(fact)
        question = questions.get(fact)
        if value is None or question is None:
            return None
        return question.shown.get(value, str(value))

    lines = ["请核对申请信息："]
    applicant = label("applicant_type")
    if applicant:
        lines.append(f"· 申请人类型：{applicant}")
    if slots.get("organization_name"):
        lines.append(f"· 单位名称：{slots['organization_name']}")
    if slots.get("credit_code"):
        lines.append(f"· 统一社会信用代码：{mask_credit_code(slots['credit_code'])}")
    lines.append(f"· 联系人：{slots.get('contact_name') or ''}")
    lines.append(f"· 手机号：{mask_phone(slots.get('contact_phone') or '')}")
    if slots.get("id_number"):
        lines.append(f"· 身份证号：{mask_id(slots['id_number'])}")
    right = label("ip_type")
    number = slots.get("ip_number")
    if right or (number and number != NO_NUMBER):
        text = right or "知识产权"
        if number and number != NO_NUMBER:
            text += f"，{ip_number_name(slots.get('ip_type'))}：{number}"
        lines.append(f"· 涉及权利：{text}")
    issue = label("issue_type")
    if issue:
        lines.append(f"· 遇到的情况：{issue}")
    description = str(slots.get("case_description") or "")
    if len(description) > DESCRIPTION_SHOWN:
        description = description[: DESCRIPTION_SHOWN - 1] + "…"
    lines.append(f"· 情况描述：{description}")
    lines.append("信息无误请点“确认提交”；需要改动请点“修改”。")
    return "\n".join(lines)


def submitted(case_number: str, deployment: Deployment) -> str:
    return (
        f"申请已提交，案件编号：{case_number}\n"
        f"{deployment.cases.service_promise}\n"
        "查询进度时，请提供案件编号和登记手机号的后四位。"
    )


def queued(reference: str, deployment: Deployment) -> str:
    return (
        "中心的案件系统暂时没有响应，您的申请已经安全保存，不会丢失，也不用重复提交。"
        f"临时编号：{reference}\n"
        "系统恢复后会自动提交，您下次发消息时我会告诉您正式的案件编号。"
        f"着急的话也可以拨打{deployment.hotline.number}。"
    )


def delivered_later(reference: str, case_number: str, deployment: Deployment) -> str:
    return (
        f"好消息：您之前的申请（临时编号 {reference}）已正式登记，案件编号：{case_number}\n"
        f"{deployment.cases.service_promise}"
    )


def limited(limit: int, deployment: Deployment) -> str:
    return (
        f"为防止重复登记，同一对话或同一手机号一天内最多提交{limit}份申请，今天已经达到上限，"
        "这份申请没有提交。"
        f"如需补充材料或还有其他案件，请拨打{deployment.hotline.name}：{deployment.hotline.number}。"
    )


def rejected(deployment: Deployment) -> str:
    return (
        "中心的案件系统没有接受这份申请，可能有信息不符合登记要求。申请没有提交，请拨打"
        f"{deployment.hotline.name}：{deployment.hotline.number}，由工作人员帮您登记。"
    )


def not_recorded(reference: str, deployment: Deployment) -> str:
    return (
        f"很抱歉，您之前的申请（临时编号 {reference}）没有被中心的案件系统接受，未能登记，"
        f"您的个人信息已从待提交记录中删除。请重新申请，或拨打{deployment.hotline.name}："
        f"{deployment.hotline.number}，由工作人员帮您登记。"
    )


def not_saved(deployment: Deployment) -> str:
    return (
        "抱歉，系统出了故障，这份申请没能保存，也没有提交。为保护您的隐私，刚才填写的个人信息已清除。"
        f"请稍后重新申请，或拨打{deployment.hotline.name}：{deployment.hotline.number}。"
    )


CONFLICT = (
    "提交时核对发现申请内容和之前确认的不一致，为避免登记出错，这份申请还没有提交。请再核对一次。"
)
STOPPED = "好的，申请没有提交。您刚才提供的个人信息已经清除。还有其他问题，随时问我。"
NO_CONSENT = (
    "好的，不登记个人信息，也就不能在线提交申请。您仍然可以继续咨询政策，或拨打热线由工作人员办理。"
)
