"""The WeChat API calls the channel makes, over aiohttp, with timeouts on every call.

Follows the official documents 获取 Access token (GET /cgi-bin/token),
客服消息 (POST /cgi-bin/message/custom/send) and 自定义菜单创建接口
(POST /cgi-bin/menu/create). Every answer is JSON with `errcode` 0 on
success; anything else, and every aiohttp error, becomes a `WeChatApiError`
here, so callers never see aiohttp. URLs are never logged or put in an error:
they carry the AppSecret or the access token.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp

from connectors.wechat.errors import WeChatApiError, WeChatApiTimeout, WeChatApiUnavailable

TOKEN_PATH = "/cgi-bin/token"  # noqa: S105 - a URL path, not a password
CUSTOM_SEND_PATH = "/cgi-bin/message/custom/send"
MENU_CREATE_PATH = "/cgi-bin/menu/create"
MAX_ANSWER_BYTES = 1024 * 1024  # WeChat's answers are a few hundred bytes


@dataclass(frozen=True)
class ApiTimeouts:
    """Seconds to connect to the WeChat API, and to wait for each answer."""

    connect: float = 3.0
    read: float = 5.0

    def client_timeout(self) -> aiohttp.ClientTimeout:
        # total caps a server that trickles its answer byte by byte.
        return aiohttp.ClientTimeout(
            total=self.connect + self.read, connect=self.connect, sock_read=self.read
        )


class WeChatApi:
    """One official account's API client.

    Args:
        session: an aiohttp client session owned by the caller.
        base_url: the API root (https://api.weixin.qq.com, or a fake one in tests).
        app_id / app_secret: the account's credentials, for the access token.
        timeouts: connect and read limits for every call.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        app_id: str,
        app_secret: str,
        timeouts: ApiTimeouts,
    ) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._app_id = app_id
        self._app_secret = app_secret
        self._timeouts = timeouts

    async def fetch_token(self) -> tuple[str, float]:
        """A fresh access token and its lifetime in seconds."""
        params = {
            "grant_type": "client_credential",
            "appid": self._app_id,
            "secret": self._app_secret,
        }
        data = await self._call("GET", TOKEN_PATH, params)
        token, expires_in = data.get("access_token"), data.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(expires_in, int | float):
            raise WeChatApiError("token answer lacks access_token or expires_in")
        if expires_in <= 0:
            raise WeChatApiError(f"token answer has expires_in {expires_in}")
        return token, float(expires_in)

    async def send_text(self, access_token: str, openid: str, text: str) -> None:
        """One text message to one person by 客服消息."""
        body = {"touser": openid, "msgtype": "text", "text": {"content": text}}
        await self._call("POST", CUSTOM_SEND_PATH, {"access_token": access_token}, body)

    async def create_menu(self, access_token: str, menu: dict[str, Any]) -> None:
        """Replace the account's custom menu."""
        await self._call("POST", MENU_CREATE_PATH, {"access_token": access_token}, menu)

    async def _call(
        self, method: str, path: str, params: dict[str, str], body: Any = None
    ) -> dict[str, Any]:
        # WeChat wants UTF-8 text in the JSON, not \\u escapes.
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"} if data else None
        try:
            async with self._session.request(
                method,
                self._base_url + path,
                params=params,
                data=data,
                headers=headers,
                timeout=self._timeouts.client_timeout(),
            ) as response:
                status = response.status
                raw = await response.content.read(MAX_ANSWER_BYTES)
        except TimeoutError as exc:
            raise WeChatApiTimeout(f"{path}: no answer in time") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise WeChatApiUnavailable(f"{path}: {type(exc).__name__}") from exc
        if status != 200:
            raise WeChatApiError(f"{path}: HTTP {status}")
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise WeChatApiError(f"{path}: answer is not JSON") from exc
        if not isinstance(answer, dict):
            raise WeChatApiError(f"{path}: answer is not a JSON object")
        errcode = answer.get("errcode", 0)
        if errcode != 0:
            errmsg = str(answer.get("errmsg", ""))[:120]
            code = errcode if isinstance(errcode, int) else None
            raise WeChatApiError(f"{path}: errcode {errcode} ({errmsg})", errcode=code)
        return answer
