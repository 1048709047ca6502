"""/wechat refuses what WeChat never sends, before it parses or decrypts anything more.

Requests are signed and encrypted with wechatpy; replies are verified,
decrypted and parsed with wechatpy. Nothing refused here may reach Rasa.
"""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator

import pytest
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from tests.connectors.wechat.conftest import (
    ACCOUNT,
    AES_KEY,
    APP_ID,
    OLD_AES_KEY,
    OPENID,
    TOKEN,
    MakeGateway,
    TrackerRasa,
    WeChatPush,
    text_xml,
)
from tests.connectors.wechat.test_xmlcodec import BILLION_LAUGHS, XXE


async def refused(push: WeChatPush, query: dict[str, str], body: str | bytes, status: int) -> str:
    response = await push.post_raw(query, body)
    assert response.status == status
    return str((await response.json())["error"])


# --- URL verification -------------------------------------------------------------


async def test_url_verification_echoes_echostr(make_gateway: MakeGateway) -> None:
    client = await make_gateway()
    query = WeChatPush(client).signed_query() | {"echostr": "5718243917283754321"}
    response = await client.get("/wechat", params=query)
    assert response.status == 200
    assert await response.text() == "5718243917283754321"


@pytest.mark.parametrize("problem", ["wrong_token", "empty", "missing", "stale", "tampered"])
async def test_url_verification_refuses_bad_signatures(
    make_gateway: MakeGateway, problem: str
) -> None:
    client = await make_gateway()
    push = WeChatPush(client, token="othertoken" if problem == "wrong_token" else TOKEN)
    old = str(int(time.time()) - 3600) if problem == "stale" else None
    query = push.signed_query(old) | {"echostr": "123"}
    if problem == "empty":
        query["signature"] = ""
    elif problem == "missing":
        del query["signature"]
    elif problem == "tampered":
        query["nonce"] += "0"
    response = await client.get("/wechat", params=query)
    assert response.status == 403
    assert "123" not in await response.text()


# --- signatures on messages -------------------------------------------------------


@pytest.mark.parametrize(
    ("safe", "problem"),
    [(safe, problem) for safe in (False, True) for problem in ("wrong_token", "empty", "stale")]
    + [(True, "no_msg_signature")],
)
async def test_bad_signatures_are_refused_before_parsing(
    make_gateway: MakeGateway, rasa: TrackerRasa, safe: bool, problem: str
) -> None:
    client = await make_gateway(safe=safe)
    push = WeChatPush(client, safe=safe, token="othertoken" if problem == "wrong_token" else TOKEN)
    stale = str(int(time.time()) - 3600) if problem == "stale" else None
    query, body = push.envelope(text_xml("你好", 1), timestamp=stale)
    if problem == "empty":
        query["signature"] = ""
    if problem == "no_msg_signature":
        query.pop("msg_signature")
    # Not even XML: the signature is checked before the body is read.
    if problem != "no_msg_signature":
        body = "<not xml"
    assert await refused(push, query, body, 403) == "wechat_bad_signature"
    assert rasa.received == []


async def test_url_signature_alone_does_not_authenticate_the_ciphertext(
    make_gateway: MakeGateway, rasa: TrackerRasa
) -> None:
    client = await make_gateway()
    push = WeChatPush(client)
    query, body = push.envelope(text_xml("你好", 1))
    other_query, _ = push.envelope(text_xml("别的消息", 2))
    query["msg_signature"] = other_query["msg_signature"]
    assert await refused(push, query, body, 403) == "wechat_bad_signature"
    assert rasa.received == []


# --- safe mode ---------------------------------------------------------------------


async def test_safe_mode_round_trip_is_verified_by_wechatpy(
    make_gateway: MakeGateway, rasa: TrackerRasa
) -> None:
    client = await make_gateway()
    reply = await WeChatPush(client).text("专利被侵权了", 1)
    assert reply.message.type == "text"
    assert reply.content == "收到：专利被侵权了"
    assert (reply.message.source, reply.message.target) == (ACCOUNT, OPENID)
    assert rasa.received == [
        {"sender": f"wx:{OPENID}", "message": "专利被侵权了", "metadata": {"channel": "wechat"}}
    ]


async def test_plain_body_is_refused_in_safe_mode(
    make_gateway: MakeGateway, rasa: TrackerRasa
) -> None:
    client = await make_gateway()
    push = WeChatPush(client)
    query = push.signed_query()
    assert await refused(push, query, text_xml("你好", 1), 400) == "wechat_plain_body"
    assert rasa.received == []


async def test_tampered_ciphertext_is_refused(make_gateway: MakeGateway, rasa: TrackerRasa) -> None:
    client = await make_gateway()
    push = WeChatPush(client)
    query, body = push.envelope(text_xml("你好", 1))
    encrypt = xmltodict.parse(body)["xml"]["Encrypt"]
    raw = bytearray(base64.b64decode(encrypt))
    raw[0] ^= 0x80
    tampered = base64.b64encode(bytes(raw)).decode()
    body = body.replace(encrypt, tampered)
    # The old msg_signature no longer matches...
    assert await refused(push, query, body, 403) == "wechat_bad_signature"
    # ...and re-signed by someone holding the token, it still does not decrypt.
    signer = WeChatSigner()
    signer.add_data(TOKEN, query["timestamp"], query["nonce"], tampered)
    query["msg_signature"] = signer.signature
    assert await refused(push, query, body, 400) == "wechat_decrypt_failed"
    assert rasa.received == []


async def test_foreign_app_id_is_refused(make_gateway: MakeGateway, rasa: TrackerRasa) -> None:
    client = await make_gateway()
    push = WeChatPush(client, app_id="wxsomeoneelse00000")
    query, body = push.envelope(text_xml("你好", 1))
    assert await refused(push, query, body, 400) == "wechat_foreign_app_id"
    assert rasa.received == []


async def test_previous_key_accepted_replies_use_the_current_key(
    make_gateway: MakeGateway, rasa: TrackerRasa
) -> None:
    client = await make_gateway(
        WECHAT_ENCODING_AES_KEY=AES_KEY, WECHAT_ENCODING_AES_KEY_PREVIOUS=OLD_AES_KEY
    )
    old = WeChatPush(client, aes_key=OLD_AES_KEY)  # WeChat still on the old key
    reply = await old.text("旧密钥的消息", 1)  # decrypted with the *current* key by wechatpy
    assert reply.content == "收到：旧密钥的消息"
    new = await WeChatPush(client).text("新密钥的消息", 2)
    assert new.content == "收到：新密钥的消息"
    assert [r["message"] for r in rasa.received] == ["旧密钥的消息", "新密钥的消息"]


async def test_old_key_without_previous_setting_is_refused(
    make_gateway: MakeGateway, rasa: TrackerRasa
) -> None:
    client = await make_gateway()
    push = WeChatPush(client, aes_key=OLD_AES_KEY)
    query, body = push.envelope(text_xml("你好", 1))
    assert await refused(push, query, body, 400) == "wechat_decrypt_failed"
    assert rasa.received == []


async def test_encrypted_body_without_a_key_is_refused(make_gateway: MakeGateway) -> None:
    client = await make_gateway(safe=False)
    safe_push = WeChatPush(client)
    query, body = safe_push.envelope(text_xml("你好", 1))
    assert await refused(safe_push, query, body, 400) == "wechat_bad_request"


# --- hostile XML --------------------------------------------------------------------


@pytest.mark.parametrize("safe", [False, True])
@pytest.mark.parametrize("xml", [XXE, BILLION_LAUGHS], ids=["xxe", "billion_laughs"])
async def test_dtd_and_entities_are_refused(
    make_gateway: MakeGateway, rasa: TrackerRasa, safe: bool, xml: bytes
) -> None:
    client = await make_gateway(safe=safe)
    push = WeChatPush(client, safe=safe)
    if safe:  # the hostile XML inside a genuine envelope
        query, body = push.envelope(xml.decode())
    else:
        query, body = push.signed_query(), xml.decode()
    response = await push.post_raw(query, body)
    assert response.status == 400
    text = await response.text()
    assert (await response.json())["error"] == "wechat_bad_xml"
    assert "root:" not in text and "lollol" not in text
    assert rasa.received == []


@pytest.mark.parametrize("chunked", [False, True])
async def test_two_megabyte_body_is_413_before_parsing(
    make_gateway: MakeGateway, rasa: TrackerRasa, chunked: bool
) -> None:
    client = await make_gateway(safe=False)
    push = WeChatPush(client, safe=False)
    big = text_xml("字" * 700_000, 1).encode()
    assert len(big) > 2_000_000

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    response = await client.post(
        "/wechat", params=push.signed_query(), data=chunks() if chunked else big
    )
    assert response.status == 413
    assert (await response.json())["error"] == "payload_too_large"
    assert rasa.received == []


@pytest.mark.parametrize(
    "xml",
    [
        "<xml><ToUserName>gh</ToUserName></xml>",
        text_xml("你好", 1, sender="../../etc"),
        "<xml><FromUserName>oAbcdefgh</FromUserName><MsgType>text</MsgType></xml>",
    ],
)
async def test_malformed_messages_are_400(
    make_gateway: MakeGateway, rasa: TrackerRasa, xml: str
) -> None:
    client = await make_gateway(safe=False)
    push = WeChatPush(client, safe=False)
    assert await refused(push, push.signed_query(), xml, 400) == "wechat_bad_request"
    assert rasa.received == []


async def test_control_character_in_content_is_stripped(
    make_gateway: MakeGateway, rasa: TrackerRasa
) -> None:
    client = await make_gateway()
    reply = await WeChatPush(client).text("专利\x1d被侵权", 1)
    assert rasa.received[0]["message"] == "专利被侵权"
    assert reply.content == "收到：专利被侵权"


@pytest.mark.parametrize("safe", [False, True])
async def test_cdata_terminator_in_a_reply_stays_well_formed(
    make_gateway: MakeGateway, rasa: TrackerRasa, safe: bool
) -> None:
    rasa.reply = lambda sender, text: [{"text": "见第]]>条 <b>&amp; 结束]]>"}]
    client = await make_gateway(safe=safe)
    reply = await WeChatPush(client, safe=safe).text("问", 1)
    assert reply.content == "见第]]>条 <b>&amp; 结束]]>"  # parsed by wechatpy (xmltodict)


async def test_reply_to_plain_mode_is_plain_xml(make_gateway: MakeGateway) -> None:
    client = await make_gateway(safe=False)
    push = WeChatPush(client, safe=False)
    reply = await push.text("你好", 1)
    assert b"<Encrypt>" not in reply.raw
    assert reply.content == "收到：你好"
    assert reply.fields["MsgType"] == "text"


def test_wechatpy_reference_accepts_our_signature_scheme() -> None:
    # Sanity check of the test fixture itself: wechatpy round-trips its own envelope.
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    envelope = xmltodict.parse(crypto.encrypt_message("<xml/>", "1", "2"))["xml"]
    assert (
        crypto.decrypt_message({"Encrypt": envelope["Encrypt"]}, envelope["MsgSignature"], "2", "1")
        == "<xml/>"
    )
