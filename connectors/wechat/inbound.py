"""What WeChat sent: the fields of one message or event, as a typed value.

Follows the official documents 接收普通消息 and 接收事件推送. Message and event
types are enums with an `UNKNOWN` / `OTHER` fallback, so a type WeChat adds
tomorrow is answered politely instead of crashing the handler.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from connectors.wechat.errors import RequestRefused
from connectors.wechat.privacy import mask_openid
from connectors.wechat.xmlcodec import strip_control

SENDER_PREFIX = "wx:"
# OpenIDs are 28 URL-safe characters; anything else is not WeChat and must not
# reach a Rasa sender id or a URL path.
_OPENID = re.compile(r"^[A-Za-z0-9_-]{6,64}$")


class MsgType(StrEnum):
    """MsgType of a message (lower case, as WeChat sends it)."""

    TEXT = "text"
    VOICE = "voice"
    IMAGE = "image"
    LOCATION = "location"
    LINK = "link"
    VIDEO = "video"
    SHORTVIDEO = "shortvideo"
    FILE = "file"
    EVENT = "event"
    UNKNOWN = "unknown"

    @classmethod
    def _missing_(cls, value: object) -> MsgType:
        return cls.UNKNOWN


class EventType(StrEnum):
    """Event of an event message; WeChat writes CLICK in capitals, read case-blind."""

    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    CLICK = "click"
    OTHER = "other"  # SCAN, LOCATION, VIEW, ...: acknowledged, not answered

    @classmethod
    def _missing_(cls, value: object) -> EventType:
        return cls.OTHER


@dataclass(frozen=True)
class Inbound:
    """One message or event, with control characters already removed from its text."""

    account: str  # ToUserName: the official account's original id (gh_...)
    openid: str  # FromUserName
    create_time: int
    msg_type: MsgType
    msg_id: str = ""
    content: str = ""  # Content, or a voice message's Recognition
    event: EventType | None = None
    event_name: str = ""  # as sent, for the dedup key
    event_key: str = ""

    @property
    def sender_id(self) -> str:
        """The conversation id in Rasa, set by the server: `wx:<OpenID>`."""
        return SENDER_PREFIX + self.openid

    @property
    def dedup_key(self) -> str:
        """Same for WeChat's retries of one message, different for any other message.

        Messages: FromUserName+MsgId. Events have no MsgId: FromUserName+CreateTime+Event,
        plus EventKey, so two different menu items clicked within one second stay two
        (a retry repeats the EventKey too).
        """
        if self.msg_id:
            return f"{self.openid}:{self.msg_id}"
        return f"{self.openid}:{self.create_time}:{self.event_name}:{self.event_key}"

    @property
    def who(self) -> str:
        """The sender, masked for the log."""
        return mask_openid(self.openid)

    @classmethod
    def from_fields(cls, fields: Mapping[str, str]) -> Inbound:
        """Read the fields of a parsed `<xml>` document.

        Raises:
            RequestRefused: a required field is missing or malformed.
        """
        openid = fields.get("FromUserName", "").strip()
        if not _OPENID.match(openid):
            raise RequestRefused("FromUserName missing or not an OpenID")
        account = fields.get("ToUserName", "").strip()
        create_time = fields.get("CreateTime", "").strip()
        if not account or not create_time.isdigit() or not create_time.isascii():
            raise RequestRefused("ToUserName or CreateTime missing or malformed")
        msg_type = MsgType(fields.get("MsgType", "").strip().lower())
        event_name = fields.get("Event", "").strip()
        content = fields.get("Content", "")
        if msg_type is MsgType.VOICE:
            content = fields.get("Recognition", "")
        return cls(
            account=account,
            openid=openid,
            create_time=int(create_time),
            msg_type=msg_type,
            msg_id=fields.get("MsgId", "").strip()[:64],
            content=strip_control(content).strip(),
            event=EventType(event_name.lower()) if msg_type is MsgType.EVENT else None,
            event_name=event_name[:64],
            event_key=fields.get("EventKey", "").strip(),
        )
