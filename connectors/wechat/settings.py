"""Settings of the WeChat channel, read from the environment and checked at start-up.

The channel is on exactly when WECHAT_TOKEN is set. Then:

    WECHAT_TOKEN                      secret: the token of the 服务器配置 (16-32 letters/digits)
    WECHAT_APP_ID                     the official account's AppID (required)
    WECHAT_APP_SECRET                 secret: AppSecret, for the access token (required)
    WECHAT_ENCODING_AES_KEY           secret: 43 characters; set -> safe mode (安全模式)
    WECHAT_ENCODING_AES_KEY_PREVIOUS  secret: the key before the last change, still accepted
    WECHAT_API_BASE                   WeChat API root          (https://api.weixin.qq.com)
    WECHAT_REPLY_TIMEOUT              seconds to wait for Rasa before answering `success`
                                      and sending the answer by 客服消息 later   (4.0)
    WECHAT_API_CONNECT_TIMEOUT        seconds to connect to the WeChat API     (3.0)
    WECHAT_API_READ_TIMEOUT           seconds to wait for its answer           (5.0)
    WECHAT_MAX_REPLY_BYTES            UTF-8 bytes per text message sent        (2000)
    WECHAT_MAX_CLOCK_SKEW             seconds a request's timestamp may be off; 0 = no check (300)

WeChat waits 5 seconds for a passive reply and retries three times after that,
so WECHAT_REPLY_TIMEOUT must stay well below 5. The AppID and AppSecret are
required even in plain mode: without them an answer slower than the reply
timeout, or longer than one message, could never be delivered.

WeChat accepts tokens of 3-32 characters, but the token is the only secret
of a plain-mode signature (SHA-1 of token, timestamp and nonce): a
4-character token was recovered from one logged signature in 2 seconds.
So the gateway wants 16 or more. With GATEWAY_ENV=production it also wants
safe mode (in plain mode no signature covers the message body), a clock-skew
window (it bounds how long a used signature must be remembered) and an
https API root (the AppSecret travels in the token request).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from connectors.errors import ConfigError

DEFAULT_API_BASE = "https://api.weixin.qq.com"
WECHAT_PASSIVE_LIMIT = 5.0  # seconds WeChat waits before it drops the request and retries
AES_KEY_CHARS = 43
MIN_TOKEN_CHARS = 16
_TOKEN = re.compile(rf"^[A-Za-z0-9]{{{MIN_TOKEN_CHARS},32}}$")
_AES_KEY = re.compile(r"^[A-Za-z0-9+/]{43}$")


@dataclass(frozen=True)
class WeChatSettings:
    """Everything the WeChat channel needs to know; secrets stay out of repr."""

    token: str = field(repr=False)
    app_id: str
    app_secret: str = field(repr=False)
    aes_key: bytes | None = field(default=None, repr=False)
    previous_aes_key: bytes | None = field(default=None, repr=False)
    api_base: str = DEFAULT_API_BASE
    reply_timeout: float = 4.0
    api_connect_timeout: float = 3.0
    api_read_timeout: float = 5.0
    max_reply_bytes: int = 2000
    max_clock_skew: float = 300.0

    @property
    def safe_mode(self) -> bool:
        """Messages are AES-encrypted both ways (安全模式)."""
        return self.aes_key is not None

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, production: bool = False
    ) -> WeChatSettings | None:
        """The channel's settings, or None when WECHAT_TOKEN is not set (channel off).

        `production` (GATEWAY_ENV=production) adds the checks of `validate`.

        Raises:
            ConfigError: a value is missing, malformed or out of range.
        """
        env = os.environ if env is None else env
        token = env.get("WECHAT_TOKEN", "").strip()
        if not token:
            return None
        if not _TOKEN.match(token):
            raise ConfigError(
                f"WECHAT_TOKEN must be {MIN_TOKEN_CHARS}-32 letters or digits "
                "(WeChat allows 3, but a short token is guessed from one signature)"
            )
        app_id = _required(env, "WECHAT_APP_ID")
        if re.search(r"\s", app_id):
            raise ConfigError("WECHAT_APP_ID must not contain spaces")
        key = decode_aes_key(env.get("WECHAT_ENCODING_AES_KEY", ""), "WECHAT_ENCODING_AES_KEY")
        previous = decode_aes_key(
            env.get("WECHAT_ENCODING_AES_KEY_PREVIOUS", ""), "WECHAT_ENCODING_AES_KEY_PREVIOUS"
        )
        if previous is not None and key is None:
            raise ConfigError(
                "WECHAT_ENCODING_AES_KEY_PREVIOUS is set but WECHAT_ENCODING_AES_KEY is not"
            )
        settings = cls(
            token=token,
            app_id=app_id,
            app_secret=_required(env, "WECHAT_APP_SECRET"),
            aes_key=key,
            previous_aes_key=previous,
            api_base=env.get("WECHAT_API_BASE", "").strip().rstrip("/") or DEFAULT_API_BASE,
            reply_timeout=_number(env, "WECHAT_REPLY_TIMEOUT", cls.reply_timeout),
            api_connect_timeout=_number(env, "WECHAT_API_CONNECT_TIMEOUT", cls.api_connect_timeout),
            api_read_timeout=_number(env, "WECHAT_API_READ_TIMEOUT", cls.api_read_timeout),
            max_reply_bytes=int(_number(env, "WECHAT_MAX_REPLY_BYTES", cls.max_reply_bytes)),
            max_clock_skew=_number(env, "WECHAT_MAX_CLOCK_SKEW", cls.max_clock_skew),
        )
        settings.validate(production)
        return settings

    def validate(self, production: bool = False) -> None:
        """Check ranges the types alone do not guarantee, and production's demands.

        Raises:
            ConfigError: the first value found invalid.
        """
        url = urlsplit(self.api_base)
        if url.scheme not in {"http", "https"} or not url.hostname:
            raise ConfigError(f"WECHAT_API_BASE must be an http(s) URL, not {self.api_base!r}")
        if not 0 < self.reply_timeout < WECHAT_PASSIVE_LIMIT:
            raise ConfigError(
                f"WECHAT_REPLY_TIMEOUT must be above 0 and below {WECHAT_PASSIVE_LIMIT:g} seconds"
            )
        for name in ("api_connect_timeout", "api_read_timeout"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"WECHAT_{name.upper()} must be positive")
        # Below ~200 bytes a citation line alone would not fit; WeChat cuts text near 2048.
        if not 200 <= self.max_reply_bytes <= 2048:
            raise ConfigError("WECHAT_MAX_REPLY_BYTES must be 200-2048")
        if self.max_clock_skew < 0:
            raise ConfigError("WECHAT_MAX_CLOCK_SKEW must be 0 (no check) or positive")
        if production:
            self._validate_production(url.scheme)

    def _validate_production(self, api_scheme: str) -> None:
        if not self.safe_mode:
            raise ConfigError(
                "WECHAT_ENCODING_AES_KEY is required when GATEWAY_ENV=production "
                "(plain mode signs no message body)"
            )
        if not self.max_clock_skew:
            raise ConfigError("WECHAT_MAX_CLOCK_SKEW must be above 0 when GATEWAY_ENV=production")
        if api_scheme != "https":
            raise ConfigError("WECHAT_API_BASE must be https when GATEWAY_ENV=production")


def decode_aes_key(raw: str, var: str) -> bytes | None:
    """The 32-byte AES key of an EncodingAESKey (base64 without its final '='), or None.

    Raises:
        ConfigError: set, but not 43 base64 characters of a 32-byte key.
    """
    raw = raw.strip()
    if not raw:
        return None
    if len(raw) != AES_KEY_CHARS or not _AES_KEY.match(raw):
        raise ConfigError(f"{var} must be {AES_KEY_CHARS} letters, digits, '+' or '/'")
    try:
        key = base64.b64decode(raw + "=", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ConfigError(f"{var} is not valid base64") from exc
    return key


def _required(env: Mapping[str, str], var: str) -> str:
    value = env.get(var, "").strip()
    if not value:
        raise ConfigError(f"{var} is required when WECHAT_TOKEN is set")
    return value


def _number(env: Mapping[str, str], var: str, default: float) -> float:
    raw = env.get(var, "").strip()
    if not raw:
        return float(default)
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{var} has an invalid value {raw!r}") from exc
