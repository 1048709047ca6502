"""What the assistant says to one WeChat message: from Rasa, or a fixed text.

Text (and voice with WeChat's speech recognition) goes to Rasa under the
conversation id `wx:<OpenID>` with metadata channel "wechat"; a reply that is
just the number of an option offered last time sends that option's payload
instead. Menu clicks send the intent behind the menu item. What Rasa cannot
read (images, files, locations...) and events that need no Rasa turn get a
short fixed text. When Rasa is down, slow or says nothing usable, the answer
is the gateway's busy text: never silence.
"""

from __future__ import annotations

import logging

from connectors.errors import UpstreamError
from connectors.messages import busy_reply, to_chat_messages
from connectors.rasa_client import RasaClient
from connectors.wechat.inbound import EventType, Inbound, MsgType
from connectors.wechat.memory import PersonMemory
from connectors.wechat.render import Answer, render

log = logging.getLogger(__name__)

CHANNEL = "wechat"

WELCOME = (
    "您好，欢迎关注！我是知识产权维权援助智能助手，可以帮您：\n"
    "· 政策咨询：解答维权援助政策，并注明出处\n"
    "· 援助资格自测：看看能获得哪些援助\n"
    "· 申请援助：指引您登记援助申请\n"
    "· 查询进度：查看已提交申请的办理情况\n"
    "· 转人工：需要时为您联系工作人员\n"
    "请直接输入您遇到的问题，或点击下方菜单。"
)
POLICY_PROMPT = "请直接输入您想咨询的问题，例如：“专利被侵权了，可以申请哪些援助？”"
TEXT_ONLY = "抱歉，我暂时只能看懂文字，请直接输入文字问题。"
VOICE_UNCLEAR = "抱歉，没有听清这段语音，请直接输入文字问题。"

# Menu items (EventKey of a CLICK event): a fixed prompt, or an intent for Rasa.
MENU_PROMPTS = {"POLICY": POLICY_PROMPT}
MENU_INTENTS = {
    "ELIGIBILITY": "/check_eligibility",
    "APPLY": "/apply_assistance",
    "HUMAN": "/ask_human",
}
MENU_KEYS = frozenset(MENU_PROMPTS) | frozenset(MENU_INTENTS)


class Dialogue:
    """Turns one inbound message into an Answer (or None: nothing to say).

    Args:
        rasa: the gateway's Rasa client.
        memory: the per-person options, to resolve a numbered reply.
        busy_text: the gateway's text for "Rasa cannot answer now".
        max_chars: the longest message passed to Rasa (the gateway's MAX_MESSAGE_CHARS).
    """

    def __init__(
        self, rasa: RasaClient, memory: PersonMemory, busy_text: str, max_chars: int
    ) -> None:
        self._rasa = rasa
        self._memory = memory
        self._busy_text = busy_text
        self._max_chars = max_chars

    async def answer(self, inbound: Inbound) -> Answer | None:
        """The answer to `inbound`; unsubscribe is the channel's business, not this one's."""
        if inbound.msg_type is MsgType.EVENT:
            return await self._event(inbound)
        if inbound.msg_type not in (MsgType.TEXT, MsgType.VOICE):
            return Answer(TEXT_ONLY)
        text = inbound.content
        if not text:
            return Answer(VOICE_UNCLEAR if inbound.msg_type is MsgType.VOICE else POLICY_PROMPT)
        if len(text) > self._max_chars:
            return Answer(f"消息太长了，请控制在 {self._max_chars} 字以内。")
        return await self.ask_rasa(inbound, self._memory.choice(inbound.openid, text) or text)

    async def _event(self, inbound: Inbound) -> Answer | None:
        if inbound.event is EventType.SUBSCRIBE:
            return Answer(WELCOME)
        if inbound.event is EventType.CLICK:
            if inbound.event_key in MENU_PROMPTS:
                return Answer(MENU_PROMPTS[inbound.event_key])
            if inbound.event_key in MENU_INTENTS:
                return await self.ask_rasa(inbound, MENU_INTENTS[inbound.event_key])
            log.info("menu click with an unknown key from %s; ignored", inbound.who)
        return None

    async def ask_rasa(self, inbound: Inbound, text: str) -> Answer:
        """Rasa's answer to `text` in the person's conversation, rendered for WeChat."""
        try:
            raw = await self._rasa.send(inbound.sender_id, text, {"channel": CHANNEL})
        except UpstreamError as exc:
            log.warning("Rasa failed for %s: %s: %s", inbound.who, exc.code, exc.detail)
            return render(busy_reply(self._busy_text), self._busy_text)
        if not raw:
            log.warning("Rasa answered nothing for %s; sent the busy text", inbound.who)
        answer = render(to_chat_messages(raw, self._busy_text), self._busy_text)
        self._memory.offer(inbound.openid, answer.buttons)
        return answer
