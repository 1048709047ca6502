"""The gateway's access log: one line per request, with no query string in it.

aiohttp's default line carries the whole request line, query included. The
gateway's query strings hold what must never be written down: WeChat signs
each push there (`signature`, `timestamp`, `nonce`, `msg_signature` — in
plain mode one logged URL let anyone post any XML for the next five
minutes), and the console's search carries the agent's question in `q`.
Filtering those parameters out of the default line missed `%71=` (an
encoded `q`) and a second `q`, so this logger never writes a query at all:

    GET /api/v1/search 200 1532 0.004s

method, path (percent-encoded as sent, so no line break or space can be
smuggled in), status, bytes of body sent, seconds taken. The same values go
in the record's extras (`http_method`, `http_path`, `http_status`,
`response_size`, `duration`) for structured log handlers. Passed to the
runner by `python -m connectors` (`web.run_app(..., access_log_class=...)`).
"""

from __future__ import annotations

import logging

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse

MAX_PATH_CHARS = 200  # a longer path is cut: the log is no place for a 64 KiB URL


def request_path(request: BaseRequest) -> str:
    """The path as sent (percent-encoded), without query or fragment, bounded."""
    path = request.rel_url.raw_path or "/"
    if len(path) > MAX_PATH_CHARS:
        return path[:MAX_PATH_CHARS] + "…"
    return path


class PathOnlyAccessLogger(AbstractAccessLogger):
    """Writes `METHOD /path STATUS BYTES SECONDSs`; the format string is ignored."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        try:
            path = request_path(request)
            size = response.body_length
            self.logger.info(
                "%s %s %d %d %.3fs",
                request.method,
                path,
                response.status,
                size,
                time,
                extra={
                    "http_method": request.method,
                    "http_path": path,
                    "http_status": response.status,
                    "response_size": size,
                    "duration": time,
                },
            )
        except Exception:  # a broken request must not break the server; no details logged
            self.logger.warning("access log line could not be written")

    @property
    def enabled(self) -> bool:
        """Skip the work when nobody listens at INFO."""
        return self.logger.isEnabledFor(logging.INFO)
