"""A person on the WeChat official account, and the WeChat API the gateway calls.

WeChat posts each message to the gateway's /wechat webhook, signed with the
account's token, and reads the passive reply; an answer that is late, or
longer than one message, goes out afterwards through the API's 客服消息, which
`WeChatApi` (a stand-in for Tencent's servers, which are out of reach here)
records. `WeChatPerson.send` returns everything the person reads for one
message, in order, whichever way it came.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.etree import ElementTree

from tests.e2e.processes import WECHAT_APP_ID, WECHAT_APP_SECRET, WECHAT_TOKEN

# How long a turn's last 客服消息 may trail its passive reply, and how long to
# wait for an answer that came too late for the passive reply.
SETTLE_S = 2.0
LATE_ANSWER_S = 90.0


class WeChatApi:
    """Access tokens and 客服消息, served on a loopback port in a thread."""

    def __init__(self) -> None:
        self.sent: dict[str, list[str]] = defaultdict(list)
        self.token = "E2E_ACCESS_TOKEN_" + secrets.token_hex(8)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def received(self, openid: str) -> int:
        with self._lock:
            return len(self.sent[openid])

    def texts_since(self, openid: str, start: int) -> list[str]:
        with self._lock:
            return list(self.sent[openid][start:])

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                ok = (query.get("appid"), query.get("secret")) == (
                    WECHAT_APP_ID,
                    WECHAT_APP_SECRET,
                )
                self._json(
                    {"access_token": api.token, "expires_in": 7200}
                    if ok
                    else {"errcode": 40013, "errmsg": "invalid appid"}
                )

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                if query.get("access_token") != api.token:
                    self._json({"errcode": 40001, "errmsg": "invalid credential"})
                    return
                if body.get("msgtype") == "text":
                    with api._lock:
                        api.sent[body["touser"]].append(body["text"]["content"])
                self._json({"errcode": 0, "errmsg": "ok"})

            def _json(self, payload: dict[str, Any]) -> None:
                raw = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *_: Any) -> None:
                pass

        return Handler


class WeChatPerson:
    """One follower of the account, writing text messages to the gateway."""

    def __init__(self, gateway: str, api: WeChatApi) -> None:
        self.gateway = gateway
        self.api = api
        self.openid = "oE2E" + secrets.token_hex(12)

    def send(self, text: str) -> list[str]:
        """What the person reads for this message: the passive reply, then any 客服消息."""
        before = self.api.received(self.openid)
        passive = self._post(text)
        deadline = time.monotonic() + (SETTLE_S if passive else LATE_ANSWER_S)
        seen, quiet_since = before, time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.2)
            count = self.api.received(self.openid)
            if count != seen:
                seen, quiet_since = count, time.monotonic()
                deadline = max(deadline, quiet_since + SETTLE_S)
            elif count > before and time.monotonic() - quiet_since >= SETTLE_S:
                break
        pushed = self.api.texts_since(self.openid, before)
        return ([passive] if passive else []) + pushed

    def read(self, text: str) -> str:
        """Everything the person reads for this message, as one text."""
        return "\n".join(self.send(text))

    def _post(self, text: str) -> str:
        timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
        signature = hashlib.sha1(  # noqa: S324 - WeChat's signature is SHA-1
            "".join(sorted([WECHAT_TOKEN, timestamp, nonce])).encode()
        ).hexdigest()
        xml = (
            "<xml><ToUserName><![CDATA[gh_e2e]]></ToUserName>"
            f"<FromUserName><![CDATA[{self.openid}]]></FromUserName>"
            f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{text}]]></Content>"
            f"<MsgId>{secrets.randbelow(10**15)}</MsgId></xml>"
        )
        query = urllib.parse.urlencode(
            {"signature": signature, "timestamp": timestamp, "nonce": nonce}
        )
        request = urllib.request.Request(f"{self.gateway}/wechat?{query}", data=xml.encode())
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
        if raw.strip() in (b"", b"success"):
            return ""
        content = ElementTree.fromstring(raw).findtext("Content")  # noqa: S314 - our gateway
        return content or ""
