"""A fake WeChat (its API server and its message pushes) around the real gateway.

* `FakeWeChatApi`: /cgi-bin/token, /cgi-bin/message/custom/send and
  /cgi-bin/menu/create on loopback; records token fetches and sends, can be
  slow, and can answer errcodes on demand.
* `TrackerRasa`: the fake Rasa of tests/connectors/conftest.py plus the HTTP
  API route the channel uses to erase a conversation.
* `WeChatPush`: what WeChat's servers do to /wechat — signed (and in safe mode
  encrypted) with wechatpy, an independent implementation of the protocol —
  and the reverse for replies: verify, decrypt and parse them with wechatpy.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import xmltodict
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from connectors.app import init_app
from connectors.wechat import WECHAT, WeChatChannel
from tests.connectors.conftest import FakeRasa, gateway_settings, serving

Client = TestClient[web.Request, web.Application]

TOKEN = "wxTestToken0123456789"  # 21 characters: the gateway wants 16-32
APP_ID = "wx1234567890abcdef"
APP_SECRET = "test-app-secret-0123456789"
ACCOUNT = "gh_0123456789ab"
# Two EncodingAESKeys (43 characters each), as the MP console would generate them.
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
OLD_AES_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"
OPENID = "oTestOpenId0123456789abcdefg"
RASA_TOKEN = "rasa-api-token"
WECHAT_VARS = (
    "WECHAT_TOKEN",
    "WECHAT_APP_ID",
    "WECHAT_APP_SECRET",
    "WECHAT_ENCODING_AES_KEY",
    "WECHAT_ENCODING_AES_KEY_PREVIOUS",
    "WECHAT_API_BASE",
    "WECHAT_REPLY_TIMEOUT",
    "WECHAT_API_CONNECT_TIMEOUT",
    "WECHAT_API_READ_TIMEOUT",
    "WECHAT_MAX_REPLY_BYTES",
    "WECHAT_MAX_CLOCK_SKEW",
)


NONCES = itertools.count(1_000_000)  # WeChat's nonces are random; these are unique per run


def openid(n: int) -> str:
    return f"oTestOpenId{n:017d}"


async def eventually(check: Callable[[], bool], timeout: float = 3.0) -> None:
    """Wait until `check()` holds (the gateway sends 客服消息 in the background)."""
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.01)


@dataclass
class FakeWeChatApi:
    """The WeChat API as the channel sees it."""

    expires_in: int = 7200
    token_delay: float = 0.0
    token_errcode: int | None = None
    send_errcodes: list[int] = field(default_factory=list)  # answered in turn, then 0
    token_fetches: int = 0
    tokens: list[str] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)  # delivered 客服消息
    refused: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    menus: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def texts(self, to: str = OPENID) -> list[str]:
        return [m["text"]["content"] for m in self.sent if m["touser"] == to]

    async def token(self, request: web.Request) -> web.Response:
        self.token_fetches += 1
        if self.token_delay:
            await asyncio.sleep(self.token_delay)
        query = request.query
        if (query.get("appid"), query.get("secret")) != (APP_ID, APP_SECRET):
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        if query.get("grant_type") != "client_credential":
            return web.json_response({"errcode": 40002, "errmsg": "invalid grant_type"})
        if self.token_errcode is not None:
            return web.json_response({"errcode": self.token_errcode, "errmsg": "refused"})
        token = f"ACCESS_TOKEN_{len(self.tokens) + 1}"
        self.tokens.append(token)
        return web.json_response({"access_token": token, "expires_in": self.expires_in})

    def _token_ok(self, request: web.Request) -> bool:
        return bool(self.tokens) and request.query.get("access_token") == self.tokens[-1]

    async def custom_send(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body = json.loads(raw.decode("utf-8"))  # UTF-8 text, not \u escapes, is what WeChat wants
        if not self._token_ok(request):
            self.refused.append((40001, body))
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        if self.send_errcodes:
            errcode = self.send_errcodes.pop(0)
            if errcode:
                self.refused.append((errcode, body))
                return web.json_response({"errcode": errcode, "errmsg": "refused"})
        self.sent.append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def menu_create(self, request: web.Request) -> web.Response:
        if not self._token_ok(request):
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        menu = await request.json()
        if self.send_errcodes:
            return web.json_response({"errcode": self.send_errcodes.pop(0), "errmsg": "bad"})
        self.menus.append(menu)
        return web.json_response({"errcode": 0, "errmsg": "ok"})


def fake_api_app(fake: FakeWeChatApi) -> web.Application:
    app = web.Application()
    app.router.add_get("/cgi-bin/token", fake.token)
    app.router.add_post("/cgi-bin/message/custom/send", fake.custom_send)
    app.router.add_post("/cgi-bin/menu/create", fake.menu_create)
    return app


@pytest.fixture
async def wechat_api() -> AsyncIterator[FakeWeChatApi]:
    fake = FakeWeChatApi()
    server = TestServer(fake_api_app(fake), host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()


@dataclass
class TrackerRasa(FakeRasa):
    """Fake Rasa that also serves PUT /conversations/{id}/tracker/events."""

    replaced: list[tuple[str, Any, str | None]] = field(default_factory=list)
    api_token: str = RASA_TOKEN

    def add_routes(self, app: web.Application) -> None:
        super().add_routes(app)
        app.router.add_put("/conversations/{conversation_id}/tracker/events", self.replace_events)

    async def replace_events(self, request: web.Request) -> web.Response:
        self.replaced.append(
            (
                request.match_info["conversation_id"],
                await request.json(),
                request.query.get("token"),
            )
        )
        if request.query.get("token") != self.api_token:
            return web.json_response(
                {"status": "failure", "reason": "NotAuthenticated"}, status=401
            )
        return web.json_response({"sender_id": request.match_info["conversation_id"], "events": []})


@pytest.fixture
async def rasa() -> AsyncIterator[TrackerRasa]:
    async with serving(TrackerRasa()) as fake:
        yield fake


def wechat_env(api_url: str, safe: bool = True, **changes: str) -> dict[str, str]:
    env = {
        "WECHAT_TOKEN": TOKEN,
        "WECHAT_APP_ID": APP_ID,
        "WECHAT_APP_SECRET": APP_SECRET,
        "WECHAT_API_BASE": api_url,
        "WECHAT_REPLY_TIMEOUT": "1.0",
        "WECHAT_API_CONNECT_TIMEOUT": "0.5",
        "WECHAT_API_READ_TIMEOUT": "0.5",
    }
    if safe:
        env["WECHAT_ENCODING_AES_KEY"] = AES_KEY
    env.update(changes)
    return env


MakeGateway = Callable[..., Awaitable[Client]]


@pytest.fixture
async def make_gateway(
    rasa: TrackerRasa, wechat_api: FakeWeChatApi, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[MakeGateway]:
    """Start the real gateway with the WeChat channel on, configured by environment."""
    clients: list[Client] = []

    async def make(
        safe: bool = True, api_url: str | None = None, rasa_read_timeout: float = 0.5, **env: str
    ) -> Client:
        for var in WECHAT_VARS:
            monkeypatch.delenv(var, raising=False)
        for var, value in wechat_env(api_url or wechat_api.url, safe, **env).items():
            monkeypatch.setenv(var, value)
        settings = gateway_settings(
            rasa.url, rasa_read_timeout=rasa_read_timeout, rasa_token=RASA_TOKEN
        )
        client = TestClient(TestServer(init_app(settings), host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        # Retries of 客服消息 pause 0.5 s and 1 s in production; tests need not wait.
        channel(client).outbox.pause = 0.01
        return client

    yield make
    for client in clients:
        await client.close()


def channel(client: Client) -> WeChatChannel:
    return client.app[WECHAT]


@dataclass
class Passive:
    """A reply as WeChat reads it: verified and decrypted with wechatpy when encrypted."""

    status: int
    raw: bytes
    message: Any = None  # wechatpy's parsed message, or None for `success`
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def is_success(self) -> bool:
        return self.status == 200 and self.raw == b"success"

    @property
    def content(self) -> str:
        return str(self.message.content)


class WeChatPush:
    """Posts to /wechat the way WeChat's servers do."""

    def __init__(
        self,
        client: Client,
        safe: bool = True,
        aes_key: str = AES_KEY,
        app_id: str = APP_ID,
        token: str = TOKEN,
    ) -> None:
        self.client = client
        self.safe = safe
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, app_id)
        self.reply_crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)

    def signed_query(self, timestamp: str | None = None) -> dict[str, str]:
        timestamp = timestamp or str(int(time.time()))
        nonce = str(next(NONCES))  # never reused: the gateway refuses a used (timestamp, nonce)
        signer = WeChatSigner()
        signer.add_data(self.token, timestamp, nonce)
        # WeChat also sends the OpenID in the query (unsigned); the channel never trusts it.
        return {
            "signature": signer.signature,
            "timestamp": timestamp,
            "nonce": nonce,
            "openid": OPENID,
        }

    def envelope(self, xml: str, timestamp: str | None = None) -> tuple[dict[str, str], str]:
        """Query and body of a message as WeChat sends it (encrypted in safe mode)."""
        query = self.signed_query(timestamp)
        if not self.safe:
            return query, xml
        encrypted = xmltodict.parse(
            self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"])
        )["xml"]
        query |= {"encrypt_type": "aes", "msg_signature": encrypted["MsgSignature"]}
        body = (
            f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypted['Encrypt']}]]></Encrypt></xml>"
        )
        return query, body

    async def post_raw(self, query: dict[str, str], body: str | bytes) -> ClientResponse:
        data = body.encode() if isinstance(body, str) else body
        return await self.client.post("/wechat", params=query, data=data)

    async def push(self, xml: str) -> Passive:
        query, body = self.envelope(xml)
        response = await self.post_raw(query, body)
        return await self.read(response)

    async def read(self, response: ClientResponse) -> Passive:
        raw = await response.read()
        if response.status != 200 or raw == b"success":
            return Passive(response.status, raw)
        xml = raw.decode()
        if self.safe:
            outer = xmltodict.parse(xml)["xml"]
            assert set(outer) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
            xml = self.reply_crypto.decrypt_message(
                xml, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"]
            )
        return Passive(response.status, raw, parse_message(xml), xmltodict.parse(xml)["xml"])

    async def text(self, content: str, msg_id: int, sender: str = OPENID) -> Passive:
        return await self.push(text_xml(content, msg_id, sender))


def text_xml(content: str, msg_id: int, sender: str = OPENID) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{sender}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(event: str, key: str = "", sender: str = OPENID, create_time: int = 0) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{sender}]]></FromUserName>"
        f"<CreateTime>{create_time or int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>"
        f"<EventKey><![CDATA[{key}]]></EventKey></xml>"
    )


def media_xml(msg_type: str, msg_id: int, extra: str = "", sender: str = OPENID) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{sender}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>{extra}<MsgId>{msg_id}</MsgId></xml>"
    )
