"""GET and POST /wechat: the URL WeChat's servers call (服务器地址 in the MP console).

Follows the official documents 接入指南 (GET: echo `echostr` when the
signature is right) and 消息加解密说明. A POST is checked in this order,
each step before the next touches more of the request:

1. the timestamp is near our clock and `signature` (token, timestamp, nonce)
   matches — before the body is read;
2. the body is at most 64 KiB (413 otherwise, unread);
3. the (timestamp, nonce) pair is new, or was seen with this very body
   (replay.py): another body under a used pair is refused, and the same
   request again can only share the turn it started;
4. the XML is parsed safely (xmlcodec: no DTD, no entities);
5. safe mode: <Encrypt> must be there (a plaintext body is refused),
   `msg_signature` must match it, it must decrypt under the current or the
   previous key, and name our AppID; the inner XML is parsed the same way.

A refused request raises a `RequestRefused`, which the gateway's middleware
answers with its status; a genuine message is never refused after that: it
gets a passive reply or `success` (see channel.py).
"""

from __future__ import annotations

import asyncio
import logging
import re

from aiohttp import web

from connectors.errors import PayloadTooLarge
from connectors.wechat import replies, signature
from connectors.wechat.channel import WECHAT, Reply, WeChatChannel
from connectors.wechat.errors import PlainBodyRefused, RequestRefused
from connectors.wechat.inbound import Inbound
from connectors.wechat.replay import Seen, check_replay
from connectors.wechat.xmlcodec import MAX_XML_BYTES, parse

log = logging.getLogger(__name__)

MAX_BODY_BYTES = MAX_XML_BYTES
_ECHOSTR = re.compile(r"^[\x21-\x7e]{1,256}$")  # WeChat sends a long number


async def verify_url(request: web.Request) -> web.Response:
    """URL verification when the server address is saved in the MP console."""
    channel = request.app[WECHAT]
    query = request.query
    timestamp = signature.check_timestamp(query.get("timestamp"), channel.settings.max_clock_skew)
    signature.check(
        query.get("signature"), channel.settings.token, timestamp, query.get("nonce", "")
    )
    echostr = query.get("echostr", "")
    if not _ECHOSTR.match(echostr):
        raise RequestRefused("echostr missing or not printable ASCII")
    log.info("WeChat URL verification answered")
    return web.Response(text=echostr)


async def receive(request: web.Request) -> web.StreamResponse:
    """One message or event from WeChat, answered within WeChat's five seconds."""
    arrived = asyncio.get_running_loop().time()  # WeChat's 5 seconds run from here
    channel = request.app[WECHAT]
    inbound, seen = await _accept(request, channel)
    deadline = arrived + channel.settings.reply_timeout
    try:
        reply = await channel.respond(inbound, deadline, repeat=seen is Seen.REPEAT)
    except Exception:
        # The message was genuine: WeChat must not retry it into a storm.
        log.exception("answering a WeChat message of %s failed", inbound.who)
        return web.Response(body=replies.SUCCESS, content_type="text/plain")
    return await _send(request, channel, inbound, reply)


async def _accept(request: web.Request, channel: WeChatChannel) -> tuple[Inbound, Seen]:
    """The checked, decrypted, parsed message and whether its request is new.

    Raises:
        RequestRefused: any check failed.
    """
    settings = channel.settings
    query = request.query
    timestamp = signature.check_timestamp(query.get("timestamp"), settings.max_clock_skew)
    nonce = query.get("nonce", "")
    signature.check(query.get("signature"), settings.token, timestamp, nonce)
    body = await _read_body(request)
    seen = await check_replay(channel.replays, timestamp, nonce, body, settings.max_clock_skew)
    fields = parse(body)
    if channel.crypto is not None:
        encrypt = fields.get("Encrypt")
        if not encrypt:
            raise PlainBodyRefused("safe mode: the body has no Encrypt")
        signature.check(query.get("msg_signature"), settings.token, timestamp, nonce, encrypt)
        fields = parse(channel.crypto.decrypt(encrypt))
    elif "Encrypt" in fields:
        raise RequestRefused("encrypted message, but WECHAT_ENCODING_AES_KEY is not set")
    return Inbound.from_fields(fields), seen


async def _read_body(request: web.Request) -> bytes:
    """The body, refused unread when it announces more than MAX_BODY_BYTES."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"Content-Length {request.content_length} over {MAX_BODY_BYTES}")
    try:
        body = await request.content.read(MAX_BODY_BYTES + 1)
        # read(n) may return less than is there: keep reading up to the limit.
        while len(body) <= MAX_BODY_BYTES and not request.content.at_eof():
            chunk = await request.content.read(MAX_BODY_BYTES + 1 - len(body))
            if not chunk:
                break
            body += chunk
    except web.HTTPRequestEntityTooLarge as exc:
        raise PayloadTooLarge(f"body over {MAX_BODY_BYTES} bytes") from exc
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"body over {MAX_BODY_BYTES} bytes")
    return body


async def _send(
    request: web.Request, channel: WeChatChannel, inbound: Inbound, reply: Reply
) -> web.StreamResponse:
    """Write the reply now, so the turn knows it is out before sending the rest by API."""
    if reply.transfer or reply.text is not None:
        xml = (
            replies.transfer_reply(inbound)
            if reply.transfer
            else replies.text_reply(inbound, reply.text or "")
        )
        if channel.crypto is not None:
            xml = replies.encrypted(channel.crypto, channel.settings.token, xml)
        response = web.Response(body=xml, content_type="text/xml", charset="utf-8")
    else:
        response = web.Response(body=replies.SUCCESS, content_type="text/plain")
    ok = False
    try:
        await response.prepare(request)
        await response.write_eof()
        ok = True
    except (ConnectionError, RuntimeError) as exc:
        log.warning("the reply to %s could not be written: %s", inbound.who, type(exc).__name__)
    finally:
        reply.sent(ok)
    return response
