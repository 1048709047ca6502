"""Names of the bodies that issue documents: is this line one, and where do two meet.

A joint document is signed by several bodies. Printed, their names stand apart
(one a line, or spaced on one line); the cleaned text keeps the lines but not
the spaces, so "国家知识产权局 司法部" arrives as "国家知识产权局司法部". A cut is
made only where the left part ends like the name of a body, the right part
starts like the name of another (a place, 国家/中共/最高…, a ministry) and no
name word (办公室, 人民政府 …) straddles the cut. Anything less certain stays
one name: a name kept whole is still true, a wrong cut is not.
"""

from __future__ import annotations

import re

# How the name of an issuing body ends.
_ORG_END = re.compile(
    r"(?:委员会|办公室|办公厅|政府|法院|检察院|中心|党组|联盟|局|部|厅|委|署|院|办|处|会)$"
)
# How the name of a body other than a sub-unit starts.
_HEAD = re.compile(
    r"^(?:中共|中国|共青团|国家|国务院|中央|全国|最高|中华人民共和国"
    r"|[\u4e00-\u9fff]{1,6}?(?:省|自治区|自治州|市|地区|盟|县|区|旗)"
    r"|(?:外交|国防|教育|科学技术|工业和信息化|公安|国家安全|民政|司法|财政|人力资源和社会保障"
    r"|自然资源|生态环境|住房和城乡建设|交通运输|水利|农业农村|商务|文化和旅游|退役军人事务"
    r"|应急管理)部)"
)
# A right part that starts with a name's ending belongs to the left part.
_STARTS_AS_ENDING = re.compile(
    r"^(?:办公室|办公厅|委员会|人民政府|政府|分局|局|部|厅|委|办|院|中心|处|科|会)"
)
_SUB_UNIT = re.compile(r"(?:分局|分中心|分院|分会|支队|大队|派出所|处|科)$")
# Words a cut may not fall inside.
_NAME_WORDS = (
    "委员会",
    "办公室",
    "办公厅",
    "人民政府",
    "人民法院",
    "人民检察院",
    "政府",
    "法院",
    "检察院",
    "中心",
    "总局",
)
_NAME_CHARS = re.compile(r"^[\u4e00-\u9fff（）()]{2,40}$")
_NOT_A_NAME = re.compile(r"关于|印发|通知|贯彻|落实|根据|以下")
_SEAL = re.compile(r"[（(](?:印章|盖章|章)[）)]$")
# 司法厅（局）: the bracket qualifies the name, the name's own ending comes before it.
_TRAILING_NOTE = re.compile(r"[（(][^（）()]*[）)]$")
_SEPARATORS = re.compile(r"[、，,；;/\s]+")


def is_org_name(text: str) -> bool:
    """Whether `text` is one or more body names (joined by 、), e.g. 司法厅（局）."""
    text = _SEAL.sub("", text.strip())
    parts = text.split("、")
    return bool(text) and all(
        _NAME_CHARS.match(p)
        and _ORG_END.search(_TRAILING_NOTE.sub("", p))
        and not _NOT_A_NAME.search(p)
        for p in parts
    )


def _glued(name: str) -> tuple[str, ...]:
    """Cut a run of names at the first certain boundary, then the rest likewise."""
    spans = [(m.start(), m.end()) for word in _NAME_WORDS for m in re.finditer(word, name)]
    for cut in range(2, len(name) - 1):
        left, right = name[:cut], name[cut:]
        if any(start < cut < end for start, end in spans):
            continue
        if not _ORG_END.search(left) or _STARTS_AS_ENDING.match(right):
            continue
        if not _HEAD.match(right) or not _ORG_END.search(right):
            continue
        rest = _glued(right)
        if _SUB_UNIT.search(rest[0]):
            continue
        return (left, *rest)
    return (name,)


def split_names(text: str) -> tuple[str, ...]:
    """The bodies named in a signature line or a front-matter issuer field."""
    names: list[str] = []
    for part in _SEPARATORS.split(_SEAL.sub("", text.strip())):
        if part:
            names.extend(_glued(part))
    return tuple(names)
