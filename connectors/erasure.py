"""“删除我的信息”: a person erases their conversation, everywhere the gateway keeps it.

The consent notice tells people they can delete the conversation by sending
“删除我的信息”; unfollowing the WeChat account does the same. Erasing means:

* Rasa's record of the conversation is replaced by nothing (HTTP API,
  PUT /conversations/{id}/tracker/events with an empty list; the tracker
  store, bot/tracker_store.py, really deletes the rows);
* every part of the gateway that keeps something per conversation forgets it:
  each registers an *erasure listener* (`ERASURE_LISTENERS`) while the
  gateway is set up — the unanswered-question list, the feedback, the
  delivered answers, the WeChat channel's memory.

An application already recorded in the case system is not touched: the
centre keeps it for the period the notice states, and withdrawing it is done
with a person, by phone. The reply says so.

The request is recognised by its words, not by the NLU: deleting must not
depend on a model's guess, and the phrasing is the one the notice gives,
with the variants people use (删掉我的资料, 把我的聊天记录删了, …).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from connectors.messages import ChatMessage
from connectors.privacy import mask_sender
from knowledge.deployment import deployment_from_env
from knowledge.errors import KnowledgeError

log = logging.getLogger(__name__)

ErasureListener = Callable[[str], Awaitable[None]]
ERASURE_LISTENERS: web.AppKey[list[ErasureListener]] = web.AppKey("erasure_listeners")
HOTLINE = web.AppKey("erasure_hotline", str)  # named in the reply
ERASED_TYPE = "conversation_erased"  # the custom payload on the reply, for the widget
FALLBACK_HOTLINE = "中心热线"

_PLEASE = r"(?:请|麻烦(?:你|您)?|帮我|给我|我要|我想|我希望|能不能|可以)*"
_DELETE = r"(?:删除|删掉|删了|删去|清除|清空|清掉|抹掉|销毁|注销)"
_WHAT = (
    r"(?:我的|我|本次|这次|这个|这段|刚才的|以上|所有|全部|个人|的|都|掉)*"
    r"(?:信息|资料|数据|记录|聊天记录|对话记录|聊天内容|对话内容|对话|聊天|隐私)"
)
_ERASE = re.compile(
    rf"^{_PLEASE}(?:{_DELETE}{_WHAT}|把?{_WHAT}(?:都|全|全部)?{_DELETE})(?:吧|了|掉|一下)*(?:吗|嘛)?$"
)
_NOISE = re.compile(r"[\s，,。.！!？?～~、“”\"']+")


def setup_erasure(app: web.Application, env: Mapping[str, str] | None = None) -> None:
    """An empty list of listeners for the channels to fill, and the hotline to name.

    A deployment that cannot be read does not stop the gateway (the widget's
    demo page makes the same choice); the reply then names the hotline generically.
    """
    app[ERASURE_LISTENERS] = []
    try:
        app[HOTLINE] = deployment_from_env(env).hotline.number
    except KnowledgeError as exc:
        log.warning("deployment unreadable (%s); erasure replies name no number", exc)
        app[HOTLINE] = FALLBACK_HOTLINE


def add_erasure_listener(app: web.Application, listener: ErasureListener) -> None:
    """Register what a part of the gateway forgets when a conversation is erased."""
    if ERASURE_LISTENERS not in app:  # a part set up alone, as in its own tests
        app[ERASURE_LISTENERS] = []
    app[ERASURE_LISTENERS].append(listener)


def is_erase_request(text: str) -> bool:
    """Whether `text` asks to delete the person's own information."""
    words = _NOISE.sub("", text)
    return len(words) <= 30 and _ERASE.match(words) is not None


async def erase_everywhere(
    app: web.Application, sender_id: str, erase_in_rasa: Callable[[str], Awaitable[bool]]
) -> bool:
    """Erase one conversation in Rasa and in every listener; whether Rasa confirmed.

    Every listener runs even when Rasa fails: what the gateway holds goes in
    any case. A failing listener is logged and does not stop the others.
    """
    erased = await erase_in_rasa(sender_id)
    for listener in app.get(ERASURE_LISTENERS, []):
        try:
            await listener(sender_id)
        except Exception:  # one part failing must not keep the others' data
            log.exception("an erasure listener failed for %s", mask_sender(sender_id))
    log.info("conversation %s erased on request%s", mask_sender(sender_id),
             "" if erased else " (NOT in Rasa)")  # fmt: skip
    return erased


def erased_text(erased: bool, hotline: str) -> str:
    """What the person reads after asking to delete their information."""
    if erased:
        return (
            "已删除您在本次对话中的全部记录，包括聊天内容和填写的信息。"
            f"已经提交的援助申请不受影响；如需撤回或删除申请，请拨打{hotline}。"
        )
    return f"抱歉，删除没有完成，请稍后再发送“删除我的信息”，或拨打{hotline}由工作人员处理。"


def erased_reply(erased: bool, hotline: str) -> list[ChatMessage]:
    """The chat reply: the text, and a payload telling the widget to clear its history."""
    message: ChatMessage = {"text": erased_text(erased, hotline)}
    if erased:
        message["custom"] = {"type": ERASED_TYPE}
    return [message]
