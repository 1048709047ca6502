"""Errors of the WeChat channel.

Every error here derives from `WeChatError`, itself a `GatewayError`, so the
gateway's one error middleware (app.py) turns a refused request into a status
and a short Chinese message without knowing about WeChat::

    WeChatError                      500  something of ours broke in the channel
    ├── RequestRefused               400  the request cannot be a WeChat message we accept
    │   ├── SignatureMismatch        403  signature or msg_signature missing, wrong or stale
    │   │   └── ReplayRefused        403  timestamp and nonce already used with another body
    │   ├── UnsafeXml                400  DOCTYPE / ENTITY, not well-formed, or no <xml> root
    │   ├── PlainBodyRefused         400  safe mode, but the body carries no <Encrypt>
    │   ├── DecryptFailed            400  <Encrypt> is not a ciphertext of our keys
    │   └── AppIdMismatch            400  decrypted, but for another official account
    └── WeChatApiError               502  the WeChat API answered an errcode (kept)
        ├── WeChatApiUnavailable     503  cannot connect, or backing off after failures
        └── WeChatApiTimeout         504  no answer within the read timeout

Refusals are for requests that WeChat itself never sends (a forger, a
misconfigured token or key): answering them with 4xx costs nothing, because
WeChat's own retries of a genuine message stop after three. Everything that
goes wrong *after* a genuine message is accepted (Rasa down, the API down) is
never an error to WeChat: the person gets the busy text or the answer later.
"""

from __future__ import annotations

from connectors.errors import GatewayError

# errcodes after which sending the same message again cannot succeed soon:
# 45015 = the person last wrote more than 48 hours ago, 45047 = too many
# customer-service messages since the person last wrote.
FINAL_ERRCODES = frozenset({45015, 45047})
# errcodes that mean the access token itself is bad or expired.
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})


class WeChatError(GatewayError):
    """Root of the WeChat channel's errors."""


class RequestRefused(WeChatError):
    """The request is not a WeChat message this channel accepts; nothing reached Rasa."""

    status = 400
    code = "wechat_bad_request"
    default_message = "消息格式不正确。"


class SignatureMismatch(RequestRefused):
    """The signature is missing, does not match the token, or its timestamp is stale."""

    status = 403
    code = "wechat_bad_signature"
    default_message = "签名校验失败。"


class ReplayRefused(SignatureMismatch):
    """A signed (timestamp, nonce) seen before came with another body: a forgery (replay.py)."""

    code = "wechat_replayed"


class UnsafeXml(RequestRefused):
    """The XML declares a DTD or entities, is not well-formed, or has no <xml> root."""

    code = "wechat_bad_xml"


class PlainBodyRefused(RequestRefused):
    """Safe mode is on, so a body without <Encrypt> is refused (downgrade attempt)."""

    code = "wechat_plain_body"


class DecryptFailed(RequestRefused):
    """The ciphertext is not valid base64 / AES-CBC output of any configured key."""

    code = "wechat_decrypt_failed"


class AppIdMismatch(RequestRefused):
    """The message decrypted, but names another official account's AppID."""

    code = "wechat_foreign_app_id"


class WeChatApiError(WeChatError):
    """The WeChat API answered with an errcode other than 0, or with something unusable.

    Args:
        detail: what happened, for the log (never a token, secret or message text).
        errcode: WeChat's errcode, or None when there was no usable answer.
    """

    status = 502
    code = "wechat_api_error"
    default_message = "系统繁忙，请稍后再试。"

    def __init__(self, detail: str = "", *, errcode: int | None = None) -> None:
        super().__init__(detail)
        self.errcode = errcode

    @property
    def is_final(self) -> bool:
        """Sending this message again will fail the same way; keep it for the next reply."""
        return self.errcode in FINAL_ERRCODES

    @property
    def is_token_error(self) -> bool:
        """The access token was refused: fetch a new one (rate-limited) and try once more."""
        return self.errcode in TOKEN_ERRCODES


class WeChatApiUnavailable(WeChatApiError):
    """The API cannot be reached, or the token refresher is backing off after failures."""

    status = 503
    code = "wechat_api_unavailable"


class WeChatApiTimeout(WeChatApiError):
    """The API did not answer within the connect or read timeout."""

    status = 504
    code = "wechat_api_timeout"
