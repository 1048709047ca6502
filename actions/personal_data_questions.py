"""Questions about the person's own data (我填的信息会不会泄露, 为啥要身份证号).

The policy documents do not answer them; the centre's own handling does (the
consent notice's facts, actions/case_text.py). Read by the sentence's shape
(knowledge/utterance.py) and two kinds of words: the person's data, and what
happens to it. A question about protecting a trade secret (商业秘密泄露了怎么办)
is about the person's rights, not their data, and goes to the documents.
"""

from __future__ import annotations

import re

from knowledge.utterance import asks

# The person's own data: what the application collects, or "my information".
_DATA = re.compile(
    r"个人信息|我的信息|我(?:们)?填的|填的(?:这些)?(?:信息|资料|东西)|隐私|身份证|真名|真实姓名|"
    r"实名|手机号|电话号码|联系方式|个人资料|聊天记录|对话记录"
)
# What may happen to it, or why it is asked for.
_HANDLING = re.compile(
    r"泄露|泄漏|外泄|给别人|给谁|谁能看|谁看|公开|保密|安全|卖|用来|用途|干什么|干嘛|做什么|"
    r"为什么要|为啥要|为何要|凭什么|不填|不写|不留|匿名|删除|删掉|保存多久|存多久|留多久|保存"
)
_TRADE_SECRET = re.compile(r"商业秘密|技术秘密|经营信息|技术信息")


def asks_about_personal_data(text: str) -> bool:
    """Whether the message asks what happens to the person's own data."""
    return (
        asks(text)
        and _DATA.search(text) is not None
        and _HANDLING.search(text) is not None
        and _TRADE_SECRET.search(text) is None
    )
