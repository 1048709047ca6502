"""Who a conversation belongs to, as the gateway's logs may show it.

A Rasa sender id is `<channel>:<id>`: `wx:<OpenID>` names one person across
every message they send the official account, `web:<key>` is the random half
of a session id. Logs keep the channel and a masked id (`wx:oA***XyZ1`),
the same form the WeChat channel writes for the person, so an operator can
follow one conversation through the log without the log naming anyone.
"""

from __future__ import annotations


def mask_id(value: str) -> str:
    """`oAbCd…XyZ1` → `oA***XyZ1`; values of 8 characters or fewer are masked entirely."""
    if len(value) <= 8:
        return "***"
    return f"{value[:2]}***{value[-4:]}"


def mask_sender(sender_id: str) -> str:
    """`wx:oAbCd…XyZ1` → `wx:oA***XyZ1`; an id without a channel prefix is masked whole."""
    channel, separator, rest = sender_id.partition(":")
    if not separator:
        return mask_id(sender_id)
    return f"{channel}:{mask_id(rest)}"
