"""Errors of the gateway.

Every error the gateway raises derives from `GatewayError`, so one middleware
(app.py) can turn any of them into the same JSON answer, and a future channel
can catch one class::

    GatewayError                 500  something of ours broke
    ├── ConfigError                   bad start-up settings; never reaches a user
    ├── RequestError             4xx  the client sent something we refuse
    │   ├── BadRequest           400  not JSON, not an object, text not a string
    │   │   └── EmptyMessage     400  text is blank after stripping
    │   ├── NotFound             404  no such route
    │   ├── MethodNotAllowed     405  wrong HTTP method for a route
    │   ├── PayloadTooLarge      413  body over the byte limit, refused unread
    │   │   └── MessageTooLong   413  text over MAX_MESSAGE_CHARS characters
    │   └── ConversationBusy     429  too many messages queued in one conversation
    └── UpstreamError            502  Rasa answered something unusable
        ├── UpstreamUnavailable  503  Rasa cannot be reached
        └── UpstreamTimeout      504  Rasa did not answer in time

Each error carries what a person is shown (`message`, short Chinese) apart
from what an operator reads in the log (`detail`, English, free of personal
data), so the log can be precise without the user seeing internals.
"""

from __future__ import annotations

from typing import ClassVar


class GatewayError(Exception):
    """Root of the gateway's errors: an HTTP status, a code and a message for users."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    default_message: ClassVar[str] = "系统出了点问题，请稍后再试。"

    def __init__(self, detail: str = "", *, message: str | None = None) -> None:
        super().__init__(detail or self.code)
        self.detail = detail or self.code
        self.message = message or self.default_message


class ConfigError(GatewayError):
    """Settings are missing or invalid; the process stops before serving anyone."""

    default_message = "网关配置有误。"


class RequestError(GatewayError):
    """The client's request is refused; nothing was sent to Rasa."""

    status = 400
    code = "bad_request"
    default_message = "请求格式不正确。"


class BadRequest(RequestError):
    """The body is not a JSON object of the expected shape."""


class EmptyMessage(BadRequest):
    """The text is empty or only whitespace: there is nothing to answer."""

    code = "empty_message"
    default_message = "请输入您要咨询的内容。"


class NotFound(RequestError):
    """No route matches the path."""

    status = 404
    code = "not_found"
    default_message = "找不到这个地址。"


class MethodNotAllowed(RequestError):
    """The route exists but not for this HTTP method."""

    status = 405
    code = "method_not_allowed"
    default_message = "不支持这种请求方式。"


class PayloadTooLarge(RequestError):
    """The body is over the byte limit; it is refused before it is parsed."""

    status = 413
    code = "payload_too_large"
    default_message = "内容太长了，请精简后再发送。"


class MessageTooLong(PayloadTooLarge):
    """The text has more characters than one message may hold."""

    code = "message_too_long"

    def __init__(self, limit: int, length: int) -> None:
        super().__init__(
            f"text has {length} characters, limit {limit}",
            message=f"消息太长了，请控制在 {limit} 字以内。",
        )
        self.limit = limit
        self.length = length


class ConversationBusy(RequestError):
    """One conversation has too many messages waiting; a runaway client, not a person."""

    status = 429
    code = "conversation_busy"
    default_message = "您发得太快了，请等上一条回复后再发。"


class UpstreamError(GatewayError):
    """Rasa answered, but with a status or body the gateway cannot use."""

    status = 502
    code = "upstream_error"
    default_message = "系统繁忙，请稍后再试。"


class UpstreamUnavailable(UpstreamError):
    """Rasa cannot be reached: not started, restarting, or the address is wrong."""

    status = 503
    code = "upstream_unavailable"


class UpstreamTimeout(UpstreamError):
    """Rasa did not answer within the connect or read timeout."""

    status = 504
    code = "upstream_timeout"
