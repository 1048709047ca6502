"""Errors of the hotline console.

They derive from the gateway's own classes (connectors/errors.py), so the one
error middleware in app.py renders them like every other refusal, as
`{"error": code, "message": 中文}`::

    GatewayError                         connectors/errors.py
    ├── RequestError
    │   ├── BadRequest                   connectors/errors.py
    │   │   ├── InvalidQuery        400  q or k of /api/v1/search out of range
    │   │   ├── InvalidFacts        400  eligibility facts not in the rules' vocabulary
    │   │   ├── InvalidCaseNumber   400  not shaped like WQ-2026-000123
    │   │   └── ReasonRequired      400  unmasking a case without a reason
    │   ├── NotSignedIn             401  no valid session cookie (or bearer key)
    │   ├── BadCredentials          401  wrong name or password (one answer for both)
    │   ├── CrossSiteRequest        403  a state-changing request from another site
    │   ├── CsrfRefused             403  the session's CSRF token missing or wrong
    │   ├── CaseMissing             404  no case with that number
    │   └── SignInThrottled         429  too many failed sign-ins for a name or an address
    └── ConsoleUnavailable          503  the knowledge engine, rules or case store cannot be used
"""

from __future__ import annotations

import math

from connectors.errors import BadRequest, GatewayError, RequestError


class InvalidQuery(BadRequest):
    """The search question or the number of results is missing or out of range."""

    code = "bad_query"
    default_message = "请输入要查询的问题。"


class InvalidFacts(BadRequest):
    """Eligibility facts with a name or value the rules do not know."""

    code = "bad_facts"
    default_message = "填写的情况有误，请重新选择。"


class InvalidCaseNumber(BadRequest):
    """A case number that cannot be one, refused before the case store is asked."""

    code = "bad_case_number"
    default_message = "案件编号格式不对，应类似 WQ-2026-000123。"


class ReasonRequired(BadRequest):
    """Full personal data is shown only with a reason, which goes into the case's record."""

    code = "reason_required"
    default_message = "查看完整信息必须填写理由。"


class NotSignedIn(RequestError):
    """No session, an expired one, or (on the search API) no valid key."""

    status = 401
    code = "unauthorized"
    default_message = "请先登录。"


class BadCredentials(RequestError):
    """Unknown name, wrong password or disabled account: deliberately one answer."""

    status = 401
    code = "bad_credentials"
    default_message = "账号或密码不正确。"


class CrossSiteRequest(RequestError):
    """A state-changing request whose Origin (or Sec-Fetch-Site) names another site."""

    status = 403
    code = "cross_site_request"
    default_message = "请求来源不正确，请从坐席工作台操作。"


class CsrfRefused(RequestError):
    """The X-CSRF-Token header is missing or is not this session's token."""

    status = 403
    code = "csrf_refused"
    default_message = "页面已过期，请刷新后重试。"


class CaseMissing(RequestError):
    """No case has this number (or it was purged)."""

    status = 404
    code = "case_not_found"
    default_message = "没有这个编号的案件，请核对编号。"


class SignInThrottled(RequestError):
    """Too many failed sign-ins for one name or from one address.

    Args:
        retry_after: seconds until a sign-in is accepted again.
    """

    status = 429
    code = "sign_in_throttled"

    def __init__(self, scope: str, retry_after: float) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            f"sign-in throttled per {scope} for {retry_after:.0f} s",
            message=f"登录失败次数过多，请 {minutes} 分钟后再试。",
        )
        self.scope = scope
        self.retry_after = max(1, math.ceil(retry_after))


class ConsoleUnavailable(GatewayError):
    """Something the console needs cannot be used now; the rest of the gateway is fine."""

    status = 503
    code = "console_unavailable"
    default_message = "暂时无法使用，请稍后再试。"
