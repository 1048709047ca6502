"""What a message does: ask something, tell the person's own story, or both.

People rarely separate the two. "我们厂的外观设计被人在拼多多上仿了，应该怎么维权？"
tells a story and asks a question; the question must be answered (the story
is kept for later), and an eligibility check can be offered, not forced.
These readers look at the shape of Chinese sentences (question words, final
particles, first person), not at topics, so they hold for any subject.

Pure Python with no dependencies: the Rasa NLU component (Python 3.10) and
the action server (Python 3.11) both use it.
"""

from __future__ import annotations

import re

# Words that make a sentence a question wherever they stand. "什么" after 没/不
# is a statement (没什么钱); "哪怕" is not "which".
_WH = re.compile(
    r"(?<![没不])什么|(?<![没不])啥|怎么|怎样|怎么办|如何|咋|哪(?!怕)|多少|多久|多长|多大|"
    r"几[个天年月周次家种类项条步]|是否|能否|可否|有没有|有无|能不能|可不可以|可以不|"
    r"是不是|要不要|会不会|用不用|需不需要|需要不|管不管|给不给|行不行|算不算|对不对"
)
# A final particle of a question, before any closing punctuation or emoji.
_FINAL = re.compile(r"(吗|么|呢)[\s。.!！~～…]*$")
_MARK = re.compile(r"[？?]")
# Questions with a question word (what, how, how long), as opposed to a bare
# yes/no ("是吗", "在吗") that a greeting or an answer may end with.
_WH_ONLY = re.compile(
    r"(?<![没不])什么|(?<![没不])啥|怎么|怎样|如何|咋|哪些|哪个|哪里|哪儿|在哪|去哪|多少|多久|多长|"
    r"几[个天年月周次步]"
)
# What a question about a service asks when it is not a request for it:
# "申请援助要准备什么材料", "自测要多久" (but "我能申请援助吗" asks for the service).
_PROCESS = re.compile(r"材料|流程|步骤|手续|费用|收费|花钱|要钱|交钱|多久|多长时间|几天|期限|时限")
_CONDITIONS = re.compile(r"条件|要求|需要什么|要什么|准备什么|哪些")
_REQUEST = re.compile(r"我要|我想|帮我|给我|现在就|马上|立即|立刻")
_FIRST_PERSON = re.compile(r"我|俺|咱|本人|本公司|本厂|本单位|自家|自己")
# Things that happen to a right: a story, not a question about a topic.
_EVENT = re.compile(
    r"被|侵权|侵犯|仿|抄|盗|假冒|山寨|冒用|冒充|一模一样|照着|告了|起诉|投诉|律师函|下架|纠纷|抢注|偷"
)


def asks(text: str) -> bool:
    """Whether the message asks something (a question mark, a question word, a final 吗)."""
    text = text.strip()
    return bool(_MARK.search(text) or _WH.search(text) or _FINAL.search(text))


def asks_what(text: str) -> bool:
    """Whether it asks with a question word, not only a final 吗 ("在吗", "是吗")."""
    return bool(_WH_ONLY.search(text))


def asks_about_process(text: str) -> bool:
    """Whether it asks how a service works — its steps, papers, cost or time."""
    return asks(text) and bool(_PROCESS.search(text))


def asks_about_service(text: str) -> bool:
    """Whether it asks what a service takes (process or conditions) without asking for it."""
    if not asks(text) or _REQUEST.search(text):
        return False
    return bool(_PROCESS.search(text) or _CONDITIONS.search(text))


def tells_own_story(text: str) -> bool:
    """Whether the person speaks of something that happened to them or their firm."""
    return bool(_FIRST_PERSON.search(text)) and bool(_EVENT.search(text))


def speaks_of_self(text: str) -> bool:
    """Whether the person says something about themselves (我是…, 我们厂…, 家里…)."""
    return bool(_FIRST_PERSON.search(text)) or text.lstrip().startswith("家里")
