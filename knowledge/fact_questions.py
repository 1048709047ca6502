"""Questions about a document itself: 谁发的, 哪年的, 文号, 发给谁, 附件公开吗, 依据什么.

These are answered from the document's header facts (document_facts.py), not
by searching its clauses. The risk runs the other way too: "专利证书是谁发的",
"补贴什么时候发", "哪个部门负责处理假冒商标" share the words but ask about the
policy, and must go to search. So a phrase counts only when

- it is a term that only documents have (文号, 发文单位, 主送, 附件公开), or
- its subject is the document: what stands before the phrase, less fillers
  (是, 的, 请问, 这个 …), is empty ("谁发的？" after an answer), ends with a
  document word (文件, 通知, 《…》, 实施意见 …), a place or a body
  ("瑶海区那个是谁发的"), and the phrase is not followed by another object
  ("谁出的钱", "什么时候发放").
"""

from __future__ import annotations

import re
from enum import Enum

from knowledge.normalize import normalize_query


class FactKind(Enum):
    """Which header fact a question asks for."""

    ISSUER = "issuer"  # 谁发的, 发文单位
    DATE = "date"  # 哪年发的, 发文日期
    DOC_NUMBER = "doc_number"  # 文号
    ADDRESSEES = "addressees"  # 发给谁, 主送, 抄送
    ATTACHMENT = "attachment"  # 附件, 是否公开
    IMPLEMENTS = "implements"  # 根据哪个文件制定, 贯彻哪个文件
    TITLE = "title"  # 全称, 叫什么


# Words that name a document. 意见书, 通知书, 鉴定意见, 有什么办法 do not.
_DOC = (
    r"(?:(?:政策|红头)?文件|公文|原文|此文|该文|本文|《[^》]{1,80}》|〔\d{4}〕|\d+号文"
    r"|实施意见|指导意见|(?<!鉴定|专家|审查|评审|咨询|法律|判定|处理)意见(?![书稿])"
    r"|通知(?![书我你他她们到])|(?<![什没有])办法|要点|(?<!有)规定(?![了的])"
    r"|条例|细则|方案|规划|政策)"
)
# Where a phrase may end: nothing more, a particle, or the document again.
# "谁发的文件" ends well; "谁出的钱", "什么时候发放" do not.
_PARTICLES = r"[吗嘛么呢啊呀吧哦哈？?。.!！,，;；\s]"
# The document again only when nothing follows it: "谁发的文件规定了补贴" asks for a clause.
_DOC_LAST = rf"{_DOC}(?:$|{_PARTICLES})"
_END = rf"(?=(?:的|了|过)*(?:$|{_PARTICLES}|这|那|该|此|来着|{_DOC_LAST}))"
_END_AFTER_DE = rf"(?=$|{_PARTICLES}|来着|{_DOC_LAST})"

_WHO = (
    r"(?:谁|哪个|哪一个|哪几个|哪些|哪家|哪里|哪儿|什么|啥)"
    r"(?:部门|单位|机关|机构|政府|地方|级别|一级)?"
)
_WHEN = (
    r"(?:什么时候|什么时间|啥时候|啥时|何时|哪年哪月|哪一年|哪年|几几年|哪个月|哪月"
    r"|哪一天|哪天|几月几[号日]|几号|多会儿|哪个时候)"
)
_ISSUE = r"(?:印发|发布|发出|下发|出台|制定|制订|颁布|颁发|签发|起草|公布|发文|发|出|定)"
_JOINTLY = r"(?:联合|共同|一起|正式|首次|开始)?"
_WHICH_DOC = (
    r"(?:哪个|哪一个|哪些|哪份|哪几个|什么|啥)(?:上级)?"
    r"(?:文件|文|政策|精神|规定|法律|法规|意见|通知|依据|法)?"
)
_DOC_WORD = r"(?:文件|文|政策|通知|意见|规定|办法)"

# (kind, pattern, needs the document as its subject)
_PHRASES: list[tuple[FactKind, re.Pattern[str], bool]] = [
    (FactKind.ISSUER, re.compile(r"发文(?:单位|机关|部门|机构|主体|方)|落款单位|落款机关"), False),
    (
        FactKind.ISSUER,
        re.compile(
            r"(?:印发|发布|出台|制定|颁布|制发|签发|下发)(?:单位|机关|部门|机构|主体)|落款是(?:谁|哪)"
        ),
        True,
    ),
    (FactKind.ISSUER, re.compile(rf"{_WHO}{_JOINTLY}{_ISSUE}{_END}"), True),
    (
        FactKind.ISSUER,
        re.compile(
            rf"(?:印发|发布|出台|制定|颁布|下发|发)(?:这个|该|此|这份)?{_DOC_WORD}?的是(?:谁|哪)"
        ),
        True,
    ),
    (FactKind.ISSUER, re.compile(rf"是{_WHO}的{_END_AFTER_DE}"), True),
    (FactKind.ISSUER, re.compile(rf"{_WHO}的{_DOC_WORD}(?=$|{_PARTICLES})"), True),
    (FactKind.DATE, re.compile(r"(?:发文|成文|落款)(?:日期|时间|年份)"), False),
    (
        FactKind.DATE,
        re.compile(r"(?:印发|发布|出台|颁布|签发|制定|下发)(?:的)?(?:日期|时间|年份)"),
        True,
    ),
    (FactKind.DATE, re.compile(rf"{_WHEN}{_JOINTLY}{_ISSUE}{_END}"), True),
    (FactKind.DATE, re.compile(rf"{_WHEN}的{_END_AFTER_DE}"), True),
    (FactKind.DATE, re.compile(r"(?:发|出)的(?:时间|日期|年份)"), True),
    (FactKind.DATE, re.compile(rf"{_ISSUE}(?:于|在){_WHEN}"), True),
    (FactKind.DATE, re.compile(rf"\d{{4}}年(?:\d{{1,2}}月)?{_JOINTLY}{_ISSUE}{_END}"), True),
    (
        FactKind.DOC_NUMBER,
        re.compile(r"文号|发文字号|发文号|文件号|文件编号|发文编号|公文编号"),
        False,
    ),
    (FactKind.DOC_NUMBER, re.compile(r"字号|编号|(?:几|多少)号文|第几号"), True),
    (FactKind.ADDRESSEES, re.compile(r"主送|抄送|受文(?:单位|机关|对象)|发文范围"), False),
    (
        FactKind.ADDRESSEES,
        re.compile(
            r"(?:发给|下发给|印发给|下发到|发到|发至|送给|发送给|下达给|下发至|送达)了?"
            rf"(?:谁|哪些|哪个|哪里|哪儿|哪一级|哪几个?|什么)(?:单位|部门|机关|机构|地方|层级|级别)?{_END}"
        ),
        True,
    ),
    (FactKind.ADDRESSEES, re.compile(r"(?:下发|印发|发送)(?:范围|对象)"), True),
    (
        FactKind.ATTACHMENT,
        re.compile(r"附件.{0,5}(?:公开|公布)|(?:此件|本件|该件).{0,4}公开"),
        False,
    ),
    (
        FactKind.ATTACHMENT,
        re.compile(
            r"附件(?:在哪|去哪|哪里|有吗|有没有|是什么|有哪些|能看|可以看|看得到|看不到|怎么看"
            r"|下载|呢)|有(?:没有)?附件|附件(?=$|[吗呢？?。!！])"
        ),
        True,
    ),
    (
        FactKind.ATTACHMENT,
        re.compile(
            r"(?:是否|是不是|有没有)?(?:对外)?公开(?:发布)?了?的?(?:吗|么|嘛|没有|不)|公不公开|是否(?:对外)?公开"
        ),
        True,
    ),
    (
        FactKind.IMPLEMENTS,
        re.compile(
            rf"(?:根据|依据|依照|按照|遵照|参照|基于)(?:的是)?{_WHICH_DOC}(?:来|而)?"
            rf"(?:制定|出台|制订|起草|印发|发布|来的|出|写|定|发){_END}"
        ),
        True,
    ),
    (
        FactKind.IMPLEMENTS,
        re.compile(
            # 为落实国知局哪份文件: the body that issued it may stand in between.
            r"(?:贯彻落实|贯彻|落实|执行|实施)(?:的是)?[\u4e00-\u9fff]{0,8}?"
            r"(?:哪个|哪一个|哪些|哪份|哪几个|什么|啥)(?:上级)?"
            r"(?:文件|文|政策|精神|意见|通知|规定)(?:的?(?:精神|要求|部署))?"
            rf"(?:而|来)?(?:制定|出台|印发|发布|出|定|发)?{_END}"
        ),
        True,
    ),
    (
        FactKind.IMPLEMENTS,
        re.compile(r"(?<!政策|法律|法规)(?:制定|出台)?(?:依据|根据)(?:是|有)(?:什么|哪些|啥|哪个)"),
        True,
    ),
    (FactKind.IMPLEMENTS, re.compile(r"上位(?:文件|政策|依据)|上级文件"), True),
    (
        FactKind.TITLE,
        re.compile(
            rf"(?:全称|全名|标题|文件名|名称|名字|题目)(?:是|叫)?(?:什么|啥|怎么说|怎么写)?{_END}"
        ),
        True,
    ),
    (FactKind.TITLE, re.compile(r"叫(?:什么|啥)(?:名字)?"), True),
]

# What may stand between the subject and the phrase, or alone before it.
_FILLER = re.compile(
    r"(?:的|是|为了|为|由|都|又|在|主要|分别|一共|总共|最早|当初|当时|最初|具体|到底|究竟|正式|一开始|请问|问一下|问下|想问一下"
    r"|想问|我想知道|想知道|知道|能告诉我|告诉我|麻烦|帮我查一下|查一下|那个|这个|那份|这份|那篇|这篇"
    r"|会|能|可以|能否|是否|有没有|那|这|该|此|它|其|上面|上述|刚才|刚刚|你说|提到|前面|说|一下|还有|另外|那么|哦|嗯|好"
    rf"|{_PARTICLES})+$"
)
# A subject that names the document by its place, body or year: 瑶海区那个, 2021年的.
_NAMED_SUBJECT = re.compile(
    rf"(?:{_DOC}|省|市|区|县|旗|州|国家|中央|省里|市里|区里|县里|局|部|厅|委|办|中心|\d{{4}}年"
    r"|〔\d{4}〕第?\d{1,4}号|\d{1,4}号文)$"
)


def _about_document(text: str, start: int) -> bool:
    """Whether the words before a phrase make the document its subject (module docstring)."""
    subject = _FILLER.sub("", text[:start])
    return not subject or bool(_NAMED_SUBJECT.search(subject))


def fact_question(text: str) -> FactKind | None:
    """The header fact `text` asks for, or None for any other question.

    When a message asks two things ("谁发的，哪年发的"), the first one asked wins.
    """
    cleaned = normalize_query(text)
    best: tuple[int, FactKind] | None = None
    for kind, pattern, needs_subject in _PHRASES:
        for match in pattern.finditer(cleaned):
            if needs_subject and not _about_document(cleaned, match.start()):
                continue
            if best is None or match.start() < best[0]:
                best = (match.start(), kind)
            break
    return best[1] if best else None
