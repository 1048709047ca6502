"""The WeChat channel at work: one turn per message, answered within WeChat's 5 seconds.

`WeChatChannel.respond` is called by the webhook for every accepted message.
The first copy of a message starts its turn in a background task; every copy
then waits for the outcome until its deadline (WECHAT_REPLY_TIMEOUT after it
arrived, 4 s by default). In time: the first text goes back as the passive
reply and the rest by 客服消息 once it is on the wire. Too late: the request
answers `success` and the whole outcome goes by 客服消息 when it is ready.

A turn holds the person's conversation lock (the gateway's shared
`ConversationLocks`, keyed by `wx:<OpenID>`) from the Rasa call until its
last text is sent, so one person's messages are handled one at a time and
their answers arrive in order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from connectors.erasure import FALLBACK_HOTLINE, erased_text, is_erase_request
from connectors.errors import ConversationBusy
from connectors.rasa_client import RasaClient
from connectors.sessions import ConversationLocks
from connectors.settings import GatewaySettings
from connectors.wechat.api import ApiTimeouts, WeChatApi
from connectors.wechat.crypto import MessageCrypto
from connectors.wechat.dialogue import Dialogue
from connectors.wechat.inbound import EventType, Inbound, MsgType
from connectors.wechat.memory import PersonMemory
from connectors.wechat.outbox import Outbox
from connectors.wechat.plaintext import split_text
from connectors.wechat.render import Answer
from connectors.wechat.replay import MemoryReplayCache, ReplayCache
from connectors.wechat.settings import WeChatSettings
from connectors.wechat.tokens import AccessTokens, call_with_token
from connectors.wechat.turns import Outcome, Turn, TurnRegistry

log = logging.getLogger(__name__)

WRITE_TIMEOUT = 5.0  # seconds a turn waits for its passive reply to be written
SHUTDOWN_GRACE = 5.0  # seconds running turns get to finish when the gateway stops


@dataclass(frozen=True)
class Reply:
    """What the webhook answers: a text, a transfer, or (neither) `success`."""

    text: str | None = None
    transfer: bool = False
    turn: Turn | None = None

    def sent(self, ok: bool) -> None:
        """Tell the turn whether the reply reached WeChat's connection."""
        if self.turn is not None:
            self.turn.written(ok)


class WeChatChannel:
    """Everything the running channel holds; built and closed by `wechat_ctx`."""

    def __init__(
        self,
        settings: WeChatSettings,
        gateway: GatewaySettings,
        locks: ConversationLocks,
        rasa: RasaClient,
        session: aiohttp.ClientSession,
        replays: ReplayCache | None = None,
        erase: Callable[[str], Awaitable[bool]] | None = None,
        hotline: str = FALLBACK_HOTLINE,
    ) -> None:
        """`erase` erases a conversation everywhere (erasure.py); Rasa's alone by default."""
        self.settings = settings
        self.crypto = (
            MessageCrypto(settings.app_id, settings.aes_key, settings.previous_aes_key)
            if settings.aes_key is not None
            else None
        )
        self.memory = PersonMemory()
        self.turns = TurnRegistry()
        self.replays: ReplayCache = replays if replays is not None else MemoryReplayCache()
        self.api = WeChatApi(
            session,
            settings.api_base,
            settings.app_id,
            settings.app_secret,
            ApiTimeouts(settings.api_connect_timeout, settings.api_read_timeout),
        )
        self.tokens = AccessTokens(self.api.fetch_token)
        self.outbox = Outbox(self._send_text, self.memory)
        self.dialogue = Dialogue(rasa, self.memory, gateway.busy_text, gateway.max_message_chars)
        self._gateway = gateway
        self._locks = locks
        self._session = session
        self._erase_conversation = erase or rasa.erase
        self._hotline = hotline
        self._tasks: set[asyncio.Task[None]] = set()

    async def respond(self, inbound: Inbound, deadline: float, repeat: bool = False) -> Reply:
        """The passive reply to one accepted message (or `success`), by `deadline`.

        A `repeat` (the very request seen before, replay.py) may share the turn
        it started while that is remembered, and otherwise does nothing.
        """
        if repeat:
            found = self.turns.find(inbound.dedup_key)
            if found is None:
                log.info("WeChat request of %s seen before; nothing done", inbound.who)
                return Reply()
            turn, created = found, False
        else:
            turn, created = self.turns.claim(inbound.dedup_key)
        if created:
            log.info("WeChat %s from %s", inbound.event or inbound.msg_type, inbound.who)
            self._spawn(self._run(turn, inbound))
        else:
            log.info("WeChat sent a message of %s again; sharing its turn", inbound.who)
        outcome = await turn.wait(deadline)
        if outcome is None:
            return Reply()
        if outcome.transfer:
            return Reply(transfer=True, turn=turn)
        return Reply(text=outcome.parts[0] if outcome.parts else None, turn=turn)

    async def close(self) -> None:
        """Let running turns finish (briefly), then cancel what is left."""
        tasks = set(self._tasks)
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=SHUTDOWN_GRACE)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if pending:
            log.warning("gateway stopping: %d WeChat turn(s) cancelled", len(pending))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, turn: Turn, inbound: Inbound) -> None:
        try:
            async with self._locks.hold(inbound.sender_id):
                await self._take_turn(turn, inbound)
        except ConversationBusy:
            log.warning("too many messages of %s queued; answered busy", inbound.who)
            await self._deliver(turn, inbound.openid, Outcome([self._gateway.busy_text]))
        except Exception:
            log.exception("WeChat turn of %s failed", inbound.who)
            if not turn.outcome.done():
                await self._deliver(turn, inbound.openid, Outcome([self._gateway.busy_text]))
        finally:
            self.turns.finish(turn)

    async def _take_turn(self, turn: Turn, inbound: Inbound) -> None:
        if inbound.event is EventType.UNSUBSCRIBE:
            erased = await self._erase(inbound)
            self.turns.forget(inbound.openid + ":")
            log.info(
                "%s unfollowed; conversation %s", inbound.who, "erased" if erased else "NOT erased"
            )
            await self._deliver(turn, inbound.openid, Outcome())
            return
        if inbound.msg_type is MsgType.TEXT and is_erase_request(inbound.content or ""):
            erased = await self._erase(inbound)  # “删除我的信息”
            await self._deliver(turn, inbound.openid, Outcome([erased_text(erased, self._hotline)]))
            return
        answer: Answer | None
        if inbound.msg_type is not MsgType.EVENT and self.memory.take_transfer(inbound.openid):
            answer = Answer("", handoff=True)  # a transfer was due: this message goes to staff
        else:
            answer = await self.dialogue.answer(inbound)
        outcome = await self._compose(inbound.openid, answer)
        await self._deliver(turn, inbound.openid, outcome)

    async def _compose(self, openid: str, answer: Answer | None) -> Outcome:
        """Texts to send (older undelivered ones first), cut to fit; texts before a transfer."""
        if answer is None:
            return Outcome()
        texts = [*self.memory.take_undelivered(openid), answer.text]
        parts = split_text("\n\n".join(t for t in texts if t), self.settings.max_reply_bytes)
        if answer.handoff and parts:
            # A passive transfer carries no text: the text goes first, by 客服消息.
            await self.outbox.send(openid, parts)
            parts = []
        return Outcome(parts, transfer=answer.handoff)

    async def _deliver(self, turn: Turn, openid: str, outcome: Outcome) -> None:
        if turn.settle(outcome) and await turn.passive_delivered(WRITE_TIMEOUT):
            rest = outcome.parts[1:]  # the first went back as the passive reply
        else:
            if outcome.transfer:
                self.memory.owe_transfer(openid)  # only a passive reply can transfer
            rest = outcome.parts
        await self.outbox.send(openid, rest)

    async def _erase(self, inbound: Inbound) -> bool:
        """Erase the person's conversation in Rasa and the gateway, and what is kept here."""
        erased = await self._erase_conversation(inbound.sender_id)
        self.memory.forget(inbound.openid)
        return erased

    async def _send_text(self, openid: str, text: str) -> None:
        await call_with_token(self.tokens, lambda token: self.api.send_text(token, openid, text))


WECHAT_SETTINGS = web.AppKey("wechat_settings", WeChatSettings)
WECHAT = web.AppKey("wechat", WeChatChannel)  # set while the app runs (wechat_ctx)
