"""OpenIDs stay out of the logs.

An OpenID identifies one person across every message they send the account,
so the log gets a masked form (`oA***XyZ1`): enough to follow one
conversation, not enough to find the person. WeChat also puts the OpenID in
the query string of every POST (`openid=...`). The gateway's access log
(connectors/access_log.py) prints no query string at all; the filter here
still masks the parameter for a runner that keeps aiohttp's default line.
(Phone and ID numbers in any log line are masked by cases.privacy.)
"""

from __future__ import annotations

import logging
import re

from connectors.privacy import mask_id

ACCESS_LOGGER = "aiohttp.access"
_OPENID_PARAM = re.compile(r"(?<=[?&]openid=)[^&\s\"]+", re.IGNORECASE)


def mask_openid(openid: str) -> str:
    """`oAbCd…XyZ1` → `oA***XyZ1`; very short values are masked entirely."""
    return mask_id(openid)


def mask_openid_params(text: str) -> str:
    """`...&openid=oAbCd...` with the value masked."""
    return _OPENID_PARAM.sub(lambda m: mask_openid(m.group(0)), text)


class OpenIdParamFilter(logging.Filter):
    """Masks `openid=` values in a record's message and in the access log's extras."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "openid=" in record.msg.lower():
            record.msg = mask_openid_params(record.msg)
        line = getattr(record, "first_request_line", None)
        if isinstance(line, str):
            record.first_request_line = mask_openid_params(line)
        return True


def install_openid_masking() -> None:
    """Put the filter on aiohttp's access logger, once per process."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, OpenIdParamFilter) for f in logger.filters):
        logger.addFilter(OpenIdParamFilter())
