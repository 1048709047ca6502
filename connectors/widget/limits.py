"""Rate limits on the chat and feedback APIs: per client IP and per conversation.

Both limits apply to every POST to the API; either one refuses with 429, a
Chinese message and `Retry-After`. The IP limit stops one machine from
flooding Rasa with fresh conversations; the session limit stops one
conversation (which a script could keep for ever) from doing the same through
many addresses.

Who the client is: the peer address, unless the peer is a trusted reverse
proxy (TRUSTED_PROXIES, loopback by default), in which case the nearest
untrusted address in X-Forwarded-For. A trusted peer that forwards no address
is a process on the gateway's own machine — the hotline console, a test,
`chat_cli` — and has no IP limit (its conversations still have theirs). So a
reverse proxy on the same host must set X-Forwarded-For, or every person
behind it would count as local. IPv6 clients are limited per /64: one
subscriber usually holds a whole /64 and could otherwise rotate addresses.
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Iterable

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from connectors.settings import GatewaySettings
from connectors.typedefs import SIGNER
from connectors.widget.buckets import Clock, KeyedBuckets
from connectors.widget.errors import RateLimited
from connectors.widget.paths import API_PATHS, FEEDBACK_MAX_BYTES, FEEDBACK_PATH

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
RETRY_AFTER = web.RequestKey("retry_after", int)


class RateLimits:
    """The two kinds of bucket, and how to tell which client a request is from.

    Args:
        ip_per_minute: requests per minute per client address; 0 turns it off.
        session_per_minute: requests per minute per conversation; 0 turns it off.
        trusted_proxies: addresses or networks whose X-Forwarded-For is believed.
        clock: monotonic seconds, for tests.
    """

    def __init__(
        self,
        ip_per_minute: int,
        session_per_minute: int,
        trusted_proxies: Iterable[str] = (),
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        self.by_ip = KeyedBuckets(ip_per_minute, clock=clock) if ip_per_minute else None
        self.by_session = (
            KeyedBuckets(session_per_minute, clock=clock) if session_per_minute else None
        )
        self._trusted: tuple[Network, ...] = tuple(
            ipaddress.ip_network(item, strict=False) for item in trusted_proxies
        )

    @classmethod
    def from_settings(cls, settings: GatewaySettings) -> RateLimits:
        return cls(
            settings.rate_limit_ip_per_minute,
            settings.rate_limit_session_per_minute,
            settings.trusted_proxies,
        )

    def _is_trusted(self, address: Address) -> bool:
        return any(address in network for network in self._trusted)

    def client_key(self, peer: str | None, forwarded_for: Iterable[str] = ()) -> str | None:
        """The key the IP limit counts a request under; None for a local process.

        Args:
            peer: the address the connection comes from (`request.remote`).
            forwarded_for: every X-Forwarded-For header of the request, in order.
        """
        if peer is None:  # a Unix socket: only local processes can connect
            return None
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return peer
        if not self._is_trusted(address):
            return _key(address)
        hops = [hop.strip() for header in forwarded_for for hop in header.split(",")]
        # Each proxy appends the address it saw, so the list is read from the
        # right; the first address not one of ours is the one we can vouch for.
        for hop in reversed([hop for hop in hops if hop]):
            try:
                address = ipaddress.ip_address(hop)
            except ValueError:
                return hop  # written by the client itself: still one key per value
            if not self._is_trusted(address):
                return _key(address)
        return None

    def check_ip(self, key: str | None) -> None:
        """Take a token for the client `key`, or raise `RateLimited`."""
        if key is not None and self.by_ip is not None:
            wait = self.by_ip.take(key)
            if wait:
                raise RateLimited("ip", wait)

    def check_session(self, key: str | None) -> None:
        """Take a token for the conversation `key`, or raise `RateLimited`."""
        if key is not None and self.by_session is not None:
            wait = self.by_session.take(key)
            if wait:
                raise RateLimited("session", wait)


def _key(address: Address) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


async def _conversation_key(request: web.Request) -> str | None:
    """The conversation a request belongs to, if its body names one we issued.

    The body is read here so the session limit runs before the handler sends
    anything to Rasa; aiohttp keeps it for the handler. A body the handler will
    refuse anyway (too long, not JSON) has no conversation.
    """
    limit = FEEDBACK_MAX_BYTES if request.path == FEEDBACK_PATH else request.client_max_size
    if request.content_length is not None and request.content_length > limit:
        return None  # the handler refuses it without reading it
    raw = await request.read()  # client_max_size caps a chunked body
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    conversation = request.app[SIGNER].verify(body.get("session_id"))
    return conversation.key if conversation else None


def rate_limit_middleware(limits: RateLimits) -> Middleware:
    """A middleware applying `limits` to POSTs on the widget's API paths."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method == "POST" and request.path in API_PATHS:
            try:
                limits.check_ip(
                    limits.client_key(request.remote, request.headers.getall("X-Forwarded-For", []))
                )
                limits.check_session(await _conversation_key(request))
            except RateLimited as exc:
                # app.py's error middleware renders the body; the header that
                # tells the client when to come back is added on the way out.
                request[RETRY_AFTER] = exc.retry_after
                raise
        return await handler(request)

    return middleware


async def add_retry_after(request: web.BaseRequest, response: web.StreamResponse) -> None:
    """`on_response_prepare` hook: `Retry-After` on a rate-limit refusal."""
    if response.status == 429 and isinstance(request, web.Request):
        retry_after = request.get(RETRY_AFTER)
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
