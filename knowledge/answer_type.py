"""What kind of fact a question asks for, and whether a passage holds one.

"维权援助中心的电话是多少" asks for a phone number; a passage about the
centre's duties answers the topic but not the question. Policy documents rarely
carry phone numbers, fees, time limits or article numbers, and people ask for
exactly those, so checking that the best passages contain a fact of the asked
kind catches questions the corpus cannot answer even when the topic matches.
Only unmistakable question forms are listed; anything else asks for no
particular kind and never counts against a passage.
"""

from __future__ import annotations

import re
from enum import Enum

_NUM = r"[\d一二三四五六七八九十百千万两〇零]"


class AnswerType(Enum):
    CONTACT = "contact"
    ADDRESS = "address"
    LOCATION = "location"
    AMOUNT = "amount"
    STATISTIC = "statistic"
    DURATION = "duration"
    DATE = "date"
    ARTICLE = "article"
    DEFINITION = "definition"
    PROCEDURE = "procedure"
    PENALTY = "penalty"
    # Kinds no policy text answers: the state of one's own case, the outcome
    # of one's own lawsuit, trouble logging in.
    CASE_STATUS = "case_status"
    CASE_OUTCOME = "case_outcome"
    TECH_SUPPORT = "tech_support"


_ASKS: dict[AnswerType, re.Pattern[str]] = {
    AnswerType.CONTACT: re.compile(
        r"电话|手机号|联系方式|热线|邮箱|网址|官网|微信号|公众号叫|二维码|QQ"
    ),
    AnswerType.ADDRESS: re.compile(r"地址|哪条路|门牌|具体位置|怎么走|坐几路|几楼|哪栋"),
    AnswerType.LOCATION: re.compile(
        r"在哪(里|儿)?(办公|上班)?[吗呢？?]*$|在[^，。？?]{1,8}哪(里|儿)"
    ),
    AnswerType.AMOUNT: re.compile(
        r"多少钱|几块钱|收费|费用(是|要|多少)|交钱|花多少|几倍|比例|金额|保费|罚多少|赔多少|给多少|"
        r"补多少|报多少|拿多少|多少万|多少元|封顶|上限|缴纳标准|收费标准"
    ),
    # "一共多少家" is a statistic; a plain "有几个分中心" is not checked, as
    # policy texts answer it with an enumeration as often as with a numeral.
    AnswerType.STATISTIC: re.compile(
        r"(去年|今年|前年|上半年|每年|一年|全年|至今|目前|已经|累计|一共|总共|共有)[^，。？?]{0,16}"
        r"(?<!好)(多少|几)(件|起|次|批|个|家|项|名)|拥有量|占比多少|排第几|排名"
    ),
    AnswerType.DURATION: re.compile(
        rf"多久|多长时间|(多少|几)个?(工作日|天|日|月|星期|周|年)(?!{_NUM})|期限|时限|多快|来得及"
    ),
    AnswerType.DATE: re.compile(r"哪年|哪一年|哪天|哪一天|什么时候(成立|施行|实施|开始|生效)|何时"),
    AnswerType.ARTICLE: re.compile(rf"第[几{_NUM[1:-1]}]+条"),
    AnswerType.DEFINITION: re.compile(
        r"区别|有何不同|有什么不同|不一样|是一回事|啥意思|什么意思|什么叫|何为|怎么定义|定义|含义|"
        r"指的是什么|指哪些|具体指|构成要件|判定规则|认定标准|需要满足哪些条件"
    ),
    AnswerType.PROCEDURE: re.compile(
        r"手续|怎么办理|如何办理|(需要|要|得)(交|带|准备|提交)?(哪些|什么|啥)(书面)?材料|要带(什么|啥)|"
        r"申请表|表格|代办|复核|补办|续展|变更|备案|办理部门|哪个部门办|哪个系统|数字证书"
    ),
    AnswerType.PENALTY: re.compile(r"量刑|判几年|判多久|罚多少|罚款多少"),
    AnswerType.CASE_STATUS: re.compile(
        r"审到哪|到哪一步|进度|批下来|审批结果|审核结果|受理了没|有结果了吗"
    ),
    AnswerType.CASE_OUTCOME: re.compile(r"能赢|赢不赢|胜诉|胜算|靠谱吗|该和解还是|硬扛|能判多少"),
    AnswerType.TECH_SUPPORT: re.compile(r"登录|登陆|验证码|密码|打不开|闪退|注册不了|上传不了"),
}

_NEVER = re.compile(r"(?!)")  # a pattern that matches nothing

_HOLDS: dict[AnswerType, re.Pattern[str]] = {
    AnswerType.CONTACT: re.compile(
        r"\d{3,4}-?\d{7,8}|1[3-9]\d{9}|电话[:：]|邮箱[:：]|网址[:：]|www\."
    ),
    AnswerType.ADDRESS: re.compile(r"\d+号|[路街道]\d+|地址[:：]|位于"),
    # Where a service is set up answers "where" at the level people need.
    AnswerType.LOCATION: re.compile(r"\d+号|[路街道]\d+|地址[:：]|位于|设立|设在|依托"),
    AnswerType.AMOUNT: re.compile(rf"{_NUM}+(\.\d+)?\s*(元|万元|亿元|倍|%|％)|百分之"),
    AnswerType.STATISTIC: re.compile(
        rf"{_NUM}+\s*(件|起|次|批|家|项|名)|累计|同比|受理[^。；]{{0,6}}{_NUM}+"
    ),
    AnswerType.DURATION: re.compile(
        rf"{_NUM}+\s*(个)?(工作日|日|天|周|月|年)(内|以内|之内)|期限为|时限为"
    ),
    AnswerType.DATE: re.compile(rf"{_NUM}{{4}}年{_NUM}{{1,2}}月|成立于|起施行|施行之日"),
    AnswerType.ARTICLE: re.compile(rf"第{_NUM}+条"),
    AnswerType.DEFINITION: re.compile(r"是指|指的是|所称|定义为|区别在于|不同之处"),
    # Not 流程 or 程序: policy texts use them abstractly (规范流程, 工作程序).
    AnswerType.PROCEDURE: re.compile(
        r"步骤|(提交|填写|携带)[^。；]{0,12}(材料|申请表|表格)|之日起"
    ),
    AnswerType.PENALTY: re.compile(r"有期徒刑|拘役|判处|罚款[^。；]{0,8}(元|倍)|处以"),
    AnswerType.CASE_STATUS: _NEVER,
    AnswerType.CASE_OUTCOME: _NEVER,
    AnswerType.TECH_SUPPORT: _NEVER,
}


def asked_types(question: str) -> list[AnswerType]:
    return [kind for kind, pattern in _ASKS.items() if pattern.search(question)]


def holds(kind: AnswerType, text: str, question: str = "") -> bool:
    """Whether `text` contains a fact of `kind` (an article must be the same article)."""
    if kind is AnswerType.ARTICLE:
        # "第五十七条" must find that article; "第几条" is answered by any article.
        wanted = {m.group(0) for m in _HOLDS[kind].finditer(question)}
        found = {m.group(0) for m in _HOLDS[kind].finditer(text)}
        return bool(found & wanted) if wanted else bool(found)
    return bool(_HOLDS[kind].search(text))
