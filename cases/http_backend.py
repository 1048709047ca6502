"""HttpCaseBackend: cases kept by the centre's case system, reached over its JSON API.

The contract is cases/server/openapi.yaml (the reference server in
cases/server implements it). What this module adds is how to behave when
the other side does not answer well:

* Each call has a budget — the seconds a person can wait (CASE_SUBMIT_BUDGET)
  — and every attempt, backoff and Retry-After wait fits inside it. When it is
  spent the call raises BackendUnavailable and the outbox tries again later
  with the same idempotency key.
* Only failures that another attempt may cure are retried: no connection,
  timeouts, 5xx and 429. Retrying a create is safe because of its key;
  retrying a status change is safe because setting the current status again
  changes nothing; a get changes nothing anyway.
* Backoff is capped exponential with full jitter (a random pause between 0
  and min(cap, base·2^(n-1))), so clients that failed together do not come
  back together.
* Answers that retrying cannot change (400, 404, 409, 422) become the
  adapter's own errors. A refused token (401/403) and an unknown endpoint
  (404 without the contract's body) are configuration faults: logged as
  errors for ops, raised as BackendUnavailable so the outbox keeps the
  application until they are fixed.

No aiohttp exception leaves this module, and no log line carries a body:
log lines name the call, case numbers, status codes and attempt counts.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import math
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from cases.errors import (
    BackendUnavailable,
    CaseNotFound,
    ConfigurationError,
    IdempotencyConflict,
    InvalidApplication,
    InvalidTransition,
)
from cases.model import CaseApplication, CaseRecord, CaseStatus
from cases.server import CASES_PATH, IDEMPOTENCY_KEY_HEADER, REPLAYED_HEADER
from cases.settings import CaseSettings

log = logging.getLogger(__name__)

T = TypeVar("T")
_ERROR_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


class Transient(Exception):
    """An attempt failed in a way another attempt may cure."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


@dataclass(frozen=True)
class RetryPolicy:
    """How long to pause between attempts.

    base, cap: the backoff ceiling doubles from `base` up to `cap`; the pause
        is drawn uniformly below it (full jitter).
    max_retry_after: the longest Retry-After honoured; a server asking for
        more gets this much.
    min_attempt: the least time worth starting an attempt with. A pause that
        would leave less is shortened, or — if the server set it with
        Retry-After — the call gives up at once instead of sleeping in vain.
    """

    base: float = 0.25
    cap: float = 2.0
    max_retry_after: float = 5.0
    min_attempt: float = 0.2

    def ceiling(self, attempt: int) -> float:
        """The largest pause after failed attempt number `attempt` (1-based)."""
        return min(self.cap, self.base * 2 ** (attempt - 1))

    def pause(
        self, attempt: int, remaining: float, retry_after: float | None, rng: random.Random
    ) -> float | None:
        """Seconds to wait after failed attempt `attempt`, or None to give up.

        `remaining` is what is left of the call's budget; the pause never
        leaves less than `min_attempt` of it for the next attempt.
        """
        room = remaining - self.min_attempt
        if room < 0:
            return None
        if retry_after is not None:
            wanted = min(retry_after, self.max_retry_after)
            return wanted if wanted <= room else None
        return min(rng.uniform(0.0, self.ceiling(attempt)), room)


async def with_retries(
    attempt: Callable[[float], Awaitable[T]],
    *,
    what: str,
    budget: float,
    policy: RetryPolicy,
    rng: random.Random,
    sleep: Sleep = asyncio.sleep,
    clock: Clock = time.monotonic,
) -> T:
    """Call `attempt(seconds_left)` until it returns, or raise BackendUnavailable.

    `attempt` raises Transient to ask for another try, and must not take
    longer than the seconds it is given. Anything else it raises ends the call.
    """
    deadline = clock() + budget
    count = 0
    while True:
        count += 1
        try:
            return await attempt(max(deadline - clock(), 0.0))
        except Transient as failure:
            last = failure
        delay = policy.pause(count, deadline - clock(), last.retry_after, rng)
        if delay is None:
            log.warning(
                "case system %s: giving up after %d attempt(s), last failure %s",
                what,
                count,
                last.reason,
            )
            raise BackendUnavailable(
                f"case system {what}: no answer within {budget:g} s after {count} attempt(s); "
                f"last failure: {last.reason}"
            )
        log.warning(
            "case system %s: attempt %d failed (%s), retrying in %.2f s",
            what,
            count,
            last.reason,
            delay,
        )
        await sleep(delay)


def parse_retry_after(value: str | None, now: Callable[[], datetime] | None = None) -> float | None:
    """Seconds from a Retry-After header: delay-seconds (a decimal fraction is
    accepted too) or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = (moment - (now or _utc_now)()).total_seconds()
    if math.isnan(seconds):
        return None
    return max(seconds, 0.0)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Answer:
    """A final (not retried) HTTP answer: status, headers and the raw body."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def error(self) -> str | None:
        """The contract's `error` code, when the body has one that looks like a code.

        Codes are logged; free text from the other side is not, so anything
        but a short snake_case word counts as no code.
        """
        data = self.json()
        code = data.get("error") if isinstance(data, dict) else None
        return code if isinstance(code, str) and _ERROR_CODE.fullmatch(code) else None


class HttpCaseBackend:
    """CaseBackend over the case system's HTTP API (see the module docstring).

    Args:
        base_url: the API root, e.g. https://cases.example.org (paths /api/v1/...
            are appended).
        token: the bearer token.
        connect_timeout, read_timeout: limits of one attempt, in seconds (each
            also cut to what is left of the budget).
        budget: seconds one call may take, retries and pauses included.
        policy, rng, sleep, clock: the backoff and its sources of randomness
            and time, replaceable by tests.

    `attempts` counts the HTTP requests sent by this instance, for tests and
    metrics. One instance serves one event loop: its session is made in the
    first loop that uses it.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        connect_timeout: float = 2.0,
        read_timeout: float = 5.0,
        budget: float = 8.0,
        policy: RetryPolicy | None = None,
        rng: random.Random | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        if not base_url or not token:
            raise ConfigurationError("the case system API needs a URL and a token")
        self._base_url = base_url.rstrip("/")
        self._token = token
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._budget = budget
        self._policy = policy or RetryPolicy()
        # Jitter only has to decorrelate clients, not resist prediction.
        self._rng = rng or random.Random()  # noqa: S311
        self._sleep = sleep
        self._clock = clock
        self._session: aiohttp.ClientSession | None = None
        self.attempts = 0

    @classmethod
    def from_settings(cls, settings: CaseSettings) -> HttpCaseBackend:
        if not (settings.api_url and settings.api_token):
            raise ConfigurationError("CASE_BACKEND=http needs CASE_API_URL and CASE_API_TOKEN")
        return cls(
            settings.api_url,
            settings.api_token,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            budget=settings.submit_budget,
        )

    def __repr__(self) -> str:  # the token stays out of logs and tracebacks
        return f"HttpCaseBackend({self._base_url!r})"

    # -- the CaseBackend interface -------------------------------------------

    async def create(self, application: CaseApplication, *, idempotency_key: str) -> CaseRecord:
        # The case system validates the application and the key: its rules
        # are the ones that count, and a 400 says what they found.
        answer = await self._call(
            "create",
            "POST",
            CASES_PATH,
            body=application.to_json(),
            headers={IDEMPOTENCY_KEY_HEADER: idempotency_key},
        )
        if answer.status in (200, 201):
            record = self._record(answer, "create")
            replayed = answer.headers.get(REPLAYED_HEADER) == "true" or answer.status == 200
            log.info("case %s %s", record.case_number, "replayed" if replayed else "created")
            return record
        if answer.status == 422 and answer.error == "idempotency_conflict":
            raise IdempotencyConflict("the key was used for a different application")
        if answer.status == 400:
            raise InvalidApplication(_problems(answer))
        raise self._unusable(answer, "create")

    async def get(self, case_number: str) -> CaseRecord | None:
        what = f"get {case_number}"
        answer = await self._call(what, "GET", _case_path(case_number))
        if answer.status == 200:
            return self._record(answer, what)
        if answer.status == 404 and answer.error == "not_found":
            return None
        raise self._unusable(answer, what)

    async def update_status(
        self, case_number: str, status: CaseStatus, *, note: str = "", actor: str = "system"
    ) -> CaseRecord:
        what = f"status {case_number}"
        body: dict[str, Any] = {"status": status.value, "actor": actor}
        if note:
            body["note"] = note
        answer = await self._call(what, "POST", _case_path(case_number) + "/status", body=body)
        if answer.status == 200:
            return self._record(answer, what)
        if answer.status == 404 and answer.error == "not_found":
            raise CaseNotFound(case_number)
        if answer.status == 409:
            raise InvalidTransition(_message(answer, "status change not allowed"))
        if answer.status == 400:
            # The case system does not take this status or note: asking again
            # will not change its mind, so this is no "try later".
            raise InvalidTransition(_message(answer, "status change refused"))
        raise self._unusable(answer, what)

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    # -- one call, several attempts ------------------------------------------

    async def _call(
        self,
        what: str,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        url = URL(self._base_url + path, encoded=True)
        sent = dict(headers or {})
        if data is not None:
            sent["Content-Type"] = "application/json; charset=utf-8"

        async def attempt(seconds: float) -> Answer:
            return await self._attempt(method, url, data, sent, seconds)

        return await with_retries(
            attempt,
            what=what,
            budget=self._budget,
            policy=self._policy,
            rng=self._rng,
            sleep=self._sleep,
            clock=self._clock,
        )

    async def _attempt(
        self,
        method: str,
        url: URL,
        data: bytes | None,
        headers: Mapping[str, str],
        seconds: float,
    ) -> Answer:
        self.attempts += 1
        # aiohttp rounds timeouts of 5 s and more up to whole seconds of the
        # loop clock unless told not to: that second would come out of no budget.
        timeout = aiohttp.ClientTimeout(
            total=None,
            sock_connect=min(self._connect_timeout, seconds),
            sock_read=min(self._read_timeout, seconds),
            ceil_threshold=math.inf,
        )
        try:
            # The outer limit also covers DNS, the pool and a body that trickles.
            async with asyncio.timeout(seconds):
                async with self._client().request(
                    method, url, data=data, headers=headers, timeout=timeout
                ) as response:
                    status, answer_headers = response.status, response.headers
                    payload = await response.read()
        except TimeoutError as exc:  # aiohttp's connect and read timeouts subclass it
            raise Transient(type(exc).__name__) from None
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, OSError) as exc:
            raise Transient(type(exc).__name__) from None
        except aiohttp.ClientError as exc:
            # An invalid URL, a redirect loop: nothing another attempt would fix.
            log.error("case system request failed: %s (check CASE_API_URL)", type(exc).__name__)
            raise BackendUnavailable(f"case system request failed: {type(exc).__name__}") from None
        if status == 429 or status >= 500:
            retry_after = None
            if status in (429, 503):
                retry_after = parse_retry_after(answer_headers.get("Retry-After"))
            raise Transient(f"HTTP {status}", retry_after)
        return Answer(status, answer_headers, payload)

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use, inside the running loop (aiohttp binds a session to it).
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers={
                    "Authorization": f"Bearer {self._token}",
                    "Accept": "application/json",
                }
            )
        return self._session

    # -- reading answers --------------------------------------------------------

    def _record(self, answer: Answer, what: str) -> CaseRecord:
        data = answer.json()
        try:
            if not isinstance(data, dict):
                raise TypeError("not an object")
            return CaseRecord.from_json(data)
        except (KeyError, TypeError, ValueError, InvalidApplication) as exc:
            log.error(
                "case system %s: HTTP %d with an unreadable record (%s, %d bytes)",
                what,
                answer.status,
                type(exc).__name__,
                len(answer.body),
            )
            raise BackendUnavailable(f"case system {what}: malformed answer") from None

    def _unusable(self, answer: Answer, what: str) -> BackendUnavailable:
        """The error for an answer that is a fault on our side or theirs, not the caller's."""
        if answer.status in (401, 403):
            log.error(
                "case system refused the API token (HTTP %d on %s): check CASE_API_TOKEN; "
                "applications wait in the outbox meanwhile",
                answer.status,
                what,
            )
            return BackendUnavailable(f"case system {what}: token refused (HTTP {answer.status})")
        if answer.status == 404:
            log.error("case system %s: HTTP 404 from no API endpoint: check CASE_API_URL", what)
            return BackendUnavailable(f"case system {what}: no such endpoint (HTTP 404)")
        log.error(
            "case system %s: unexpected HTTP %d (error code %s)", what, answer.status, answer.error
        )
        return BackendUnavailable(f"case system {what}: unexpected HTTP {answer.status}")


def _case_path(case_number: str) -> str:
    # Quoted whole: a "/" or ".." in a number must not reach another endpoint.
    return f"{CASES_PATH}/{quote(case_number, safe='')}"


def _problems(answer: Answer) -> list[str]:
    data = answer.json()
    problems = data.get("problems") if isinstance(data, dict) else None
    if isinstance(problems, list) and problems and all(isinstance(p, str) for p in problems):
        return problems
    if answer.error in ("missing_idempotency_key", "bad_idempotency_key"):
        # A key the case system cannot take will never do: like an invalid
        # application, it has to be looked at, not retried.
        return [f"idempotency_key: {answer.error}"]
    return [f"rejected by the case system ({answer.error or 'HTTP 400'})"]


def _message(answer: Answer, default: str) -> str:
    data = answer.json()
    message = data.get("message") if isinstance(data, dict) else None
    return message if isinstance(message, str) and message else default
