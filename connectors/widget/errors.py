"""Errors of the web widget's side of the gateway.

They derive from the gateway's own classes (connectors/errors.py), so the one
error middleware in app.py renders them like every other refusal, as
`{"error": code, "message": 中文}`::

    GatewayError                      connectors/errors.py
    ├── RequestError
    │   ├── OriginNotAllowed     403  a browser page on an origin not configured
    │   ├── PreflightRefused     403  a preflight asking for a method or header we do not take
    │   ├── InvalidFeedback      400  a feedback body of the wrong shape
    │   └── RateLimited          429  too many requests from one IP or one session
    └── FeedbackUnavailable      503  the feedback database cannot be written or read
"""

from __future__ import annotations

import math

from connectors.errors import GatewayError, RequestError


class OriginNotAllowed(RequestError):
    """The Origin header names a site that may not call the chat API from a browser."""

    status = 403
    code = "origin_not_allowed"
    default_message = "此网站未获授权使用在线咨询。"


class PreflightRefused(RequestError):
    """A CORS preflight asks for a method or header the API does not accept."""

    status = 403
    code = "preflight_refused"
    default_message = "不支持这种跨域请求。"


class InvalidFeedback(RequestError):
    """The feedback body is JSON, but not `{"session_id", "rating", "question", "answer"}`."""

    code = "bad_feedback"
    default_message = "反馈内容不完整。"


class RateLimited(RequestError):
    """A client or a conversation sends faster than a person types.

    Args:
        scope: "ip" or "session", for the log.
        retry_after: seconds until one more request would be accepted.
    """

    status = 429
    code = "rate_limited"

    def __init__(self, scope: str, retry_after: float) -> None:
        seconds = max(1, math.ceil(retry_after))
        super().__init__(
            f"{scope} over its rate limit; retry in {seconds} s",
            message=f"发送太频繁了，请 {seconds} 秒后再试。",
        )
        self.scope = scope
        self.retry_after = seconds


class FeedbackUnavailable(GatewayError):
    """SQLite or the file system failed under the feedback store; chat is unaffected."""

    status = 503
    code = "feedback_unavailable"
    default_message = "暂时无法记录您的反馈，请稍后再试。"
