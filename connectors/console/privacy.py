"""Search questions stay out of the access log.

GET /api/v1/search carries the caller's question in its query string (`q=`),
which aiohttp's access log prints with the request line. A question read
out on a hotline call may hold a name or an address that no pattern can
recognise (cases.privacy masks phone and ID numbers only), so the value is
dropped from that line altogether; the handler logs who searched and how
many results came back, never the words.
"""

from __future__ import annotations

import logging
import re

from connectors.console.paths import SEARCH_PATH

ACCESS_LOGGER = "aiohttp.access"
_QUERY = re.compile(rf"({re.escape(SEARCH_PATH)}\?(?:[^\s\"]*&)?q=)[^&\s\"]*")


def hide_search_query(text: str) -> str:
    """`GET /api/v1/search?q=…&k=5` → `GET /api/v1/search?q=[hidden]&k=5`."""
    return _QUERY.sub(r"\1[hidden]", text)


class SearchQueryFilter(logging.Filter):
    """Hides `q=` of search requests in a record's message and the access log's extras."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and SEARCH_PATH in record.msg:
            record.msg = hide_search_query(record.msg)
        line = getattr(record, "first_request_line", None)
        if isinstance(line, str):
            record.first_request_line = hide_search_query(line)
        return True


def install_query_hiding() -> None:
    """Put the filter on aiohttp's access logger, once per process."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, SearchQueryFilter) for f in logger.filters):
        logger.addFilter(SearchQueryFilter())
