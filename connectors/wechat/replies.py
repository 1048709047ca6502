"""Passive replies (被动回复消息): the XML returned in the HTTP response to WeChat.

Follows the official documents 被动回复用户消息 (text reply),
消息转发到客服 (MsgType transfer_customer_service) and 消息加解密说明 (the
encrypted envelope: Encrypt, MsgSignature, TimeStamp, Nonce). A reply goes
back to the person who wrote (ToUserName = their OpenID) from the account
they wrote to (FromUserName = the account's original id).
"""

from __future__ import annotations

import secrets
import time

from connectors.wechat import signature
from connectors.wechat.crypto import MessageCrypto
from connectors.wechat.inbound import Inbound
from connectors.wechat.xmlcodec import to_xml

SUCCESS = b"success"  # "received, nothing to say": WeChat shows nothing and does not retry
TRANSFER = "transfer_customer_service"


def text_reply(inbound: Inbound, content: str, now: int | None = None) -> bytes:
    """A text message back to the sender of `inbound`."""
    return to_xml(
        {
            "ToUserName": inbound.openid,
            "FromUserName": inbound.account,
            "CreateTime": int(time.time()) if now is None else now,
            "MsgType": "text",
            "Content": content,
        }
    )


def transfer_reply(inbound: Inbound, now: int | None = None) -> bytes:
    """Hand the message (and the conversation) to the account's customer-service staff."""
    return to_xml(
        {
            "ToUserName": inbound.openid,
            "FromUserName": inbound.account,
            "CreateTime": int(time.time()) if now is None else now,
            "MsgType": TRANSFER,
        }
    )


def encrypted(crypto: MessageCrypto, token: str, xml: bytes, now: int | None = None) -> bytes:
    """`xml` in safe mode's envelope, encrypted with the current key and signed."""
    timestamp = str(int(time.time()) if now is None else now)
    nonce = str(secrets.randbelow(10**10))
    encrypt = crypto.encrypt(xml)
    return to_xml(
        {
            "Encrypt": encrypt,
            "MsgSignature": signature.sign(token, timestamp, nonce, encrypt),
            "TimeStamp": int(timestamp),
            "Nonce": nonce,
        }
    )
